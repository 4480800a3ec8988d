import { z } from 'zod';

// The one catalogue of events: subject -> payload schema. Nobody publishes a subject that is not
// here, and every payload is validated against its schema before it leaves the publisher.

const id = z.string().min(1);

export const EventCatalogue = {
  'network.site.changed': z.object({ siteId: id, cityId: id, scopePath: z.string(), change: z.enum(['created', 'updated', 'deleted']) }),
  'network.camera.changed': z.object({ cameraId: id, siteId: id, scopePath: z.string(), change: z.enum(['created', 'updated', 'deleted']) }),
  'network.import.completed': z.object({ kind: z.enum(['cameras', 'sites']), format: z.enum(['csv', 'geojson']), count: z.number().int().min(0), by: z.string() }),
  'video.camera.status': z.object({
    cameraId: id,
    status: z.enum(['online', 'offline']),
    at: z.string(),
    reason: z.string().optional(),
  }),
  'identity.user.changed': z.object({ userId: id, change: z.enum(['created', 'updated', 'disabled']) }),
} as const;

export type Subject = keyof typeof EventCatalogue;
export type Payload<S extends Subject> = z.infer<(typeof EventCatalogue)[S]>;

export const SUBJECTS = Object.keys(EventCatalogue) as Subject[];

export function isSubject(value: string): value is Subject {
  return Object.hasOwn(EventCatalogue, value);
}

/** Validates a payload for its subject; throws naming the field. */
export function checkPayload<S extends Subject>(subject: S, payload: unknown): Payload<S> {
  const schema = EventCatalogue[subject];
  if (!schema) throw new Error(`unknown event subject "${subject}"`);
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`event ${subject}: ${issue.path.join('.') || '(payload)'}: ${issue.message}`);
  }
  return result.data as Payload<S>;
}

/** NATS-style subject matching: `*` is one token, a trailing `>` is one or more tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
