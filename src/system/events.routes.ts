import { z } from 'zod';
import type { EventBus, Subscription } from '../platform/bus/bus.ts';
import type { App } from '../platform/http/app.ts';
import { requires } from '../platform/http/access.ts';
import { Permission } from '../identity/permissions.ts';
import { pathInScope } from '../identity/actor.ts';

export interface EventsDeps {
  bus: EventBus;
  /** Scope path of a camera, or undefined when it doesn't exist. */
  cameraScope(cameraId: string): Promise<string | undefined>;
}

/**
 * `GET /api/events?token=…` (WebSocket): pushes camera status and network changes to the console,
 * only for things inside the viewer's scope. Every node subscribes to the bus, so a console can
 * connect to any node and still see every camera's state changes.
 */
export function registerEventRoutes(app: App, deps: EventsDeps): void {
  app.get('/api/events', {
    websocket: true,
    config: { access: requires(Permission.NetworkRead), tokenInQuery: true },
    schema: { tags: ['system'], summary: 'WebSocket of live events in your scope: {subject, at, payload}.', querystring: z.object({ token: z.string().max(200).optional() }) },
  }, (socket, req) => {
    const actor = req.actor;
    const scopes = new Map<string, string | undefined>();
    const subs: Subscription[] = [];
    let open = true;
    const send = (subject: string, at: string, payload: unknown) => {
      if (open && socket.readyState === socket.OPEN) socket.send(JSON.stringify({ subject, at, payload }));
    };
    const start = async () => {
      subs.push(await deps.bus.subscribe('video.>', {}, async (e) => {
        const cameraId = (e.payload as { cameraId?: string }).cameraId;
        if (!cameraId) return;
        if (!scopes.has(cameraId)) scopes.set(cameraId, await deps.cameraScope(cameraId));
        const scope = scopes.get(cameraId);
        if (scope !== undefined && pathInScope(actor.scopePath, scope)) send(e.subject, e.at, e.payload);
      }));
      subs.push(await deps.bus.subscribe('network.>', {}, (e) => {
        const scope = (e.payload as { scopePath?: string }).scopePath;
        if (scope === undefined || pathInScope(actor.scopePath, scope)) send(e.subject, e.at, e.payload);
      }));
      if (!open) for (const s of subs) await s.unsubscribe();
    };
    start().catch((err) => {
      req.log.error({ err }, 'events: subscribe failed');
      socket.close(1011, 'subscribe failed');
    });
    socket.on('message', () => {}); // the stream is one-way; client messages are ignored
    socket.on('close', () => {
      open = false;
      for (const s of subs) void s.unsubscribe();
    });
  });
}
