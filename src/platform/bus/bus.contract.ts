import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { BusEvent, EventBus, Handler } from './bus.ts';
import type { Payload, Subject } from './events.ts';

// The one suite every EventBus adapter runs: what the rest of the platform may rely on.

export interface BusTuning {
  maxDeliver: number;
  redeliveryDelayMs: number;
}

export interface BusContractOptions {
  /** Buses from separate makeBus calls reach one broker, as separate processes would. */
  shared?: boolean;
  /** Longest wait for an expected event. */
  timeoutMs?: number;
}

const TUNING: BusTuning = { maxDeliver: 3, redeliveryDelayMs: 50 };

/** Payloads carry the test's token so that stray events from other runs on a shared broker are ignored. */
function camera(token: string, n: number): Payload<'network.camera.changed'> {
  return { cameraId: `${token}-cam-${n}`, siteId: `${token}-site`, scopePath: 'kp.pesh', change: 'updated' };
}
function status(token: string, n: number): Payload<'video.camera.status'> {
  return { cameraId: `${token}-cam-${n}`, status: 'online', at: new Date().toISOString() };
}

function carries(token: string, event: BusEvent): boolean {
  return JSON.stringify(event.payload).includes(token);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function busContract(name: string, makeBus: (tuning: BusTuning) => Promise<EventBus>, opts: BusContractOptions = {}): void {
  const timeoutMs = opts.timeoutMs ?? 5000;
  // Long enough for a wrongly repeated delivery to show up after the expected ones.
  const settleMs = TUNING.redeliveryDelayMs * 4 + 150;

  async function waitFor(what: string, done: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(10);
    }
  }

  /** A handler that records this test's events; `onEvent` may throw to refuse one. */
  function recorder<S extends Subject>(token: string, onEvent?: (e: BusEvent<S>, seen: BusEvent<S>[]) => void) {
    const seen: BusEvent<S>[] = [];
    const handler: Handler<S> = (e) => {
      if (!carries(token, e)) return;
      seen.push(e);
      onEvent?.(e, seen);
    };
    return { seen, handler };
  }

  async function withBuses(fn: (buses: { one: EventBus; other: () => Promise<EventBus>; token: string }) => Promise<void>): Promise<void> {
    const token = `t${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const open: EventBus[] = [];
    const make = async () => {
      const bus = await makeBus(TUNING);
      open.push(bus);
      return bus;
    };
    try {
      const one = await make();
      // Without a shared broker a second "process" is the same bus object.
      await fn({ one, other: opts.shared ? make : async () => one, token });
    } finally {
      for (const bus of open) await bus.close();
    }
  }

  describe(`EventBus contract: ${name}`, () => {
    test('refuses a bad payload, an unknown subject and a bad durable name, naming what is wrong', async () => {
      await withBuses(async ({ one, token }) => {
        await assert.rejects(one.publish('video.camera.status', { cameraId: token, status: 'sideways', at: 'x' } as any), /status/);
        await assert.rejects(one.publish('network.camera.changed', { siteId: 's', scopePath: '', change: 'created' } as any), /cameraId/);
        await assert.rejects(one.publish('no.such.subject' as any, {} as any), /no\.such\.subject/);
        await assert.rejects(one.subscribe('video.camera.status', { durable: 'has.dot' }, () => {}), /durable/);
      });
    });

    test('a published event reaches a durable subscriber with id, subject, time and payload', async () => {
      await withBuses(async ({ one, token }) => {
        const r = recorder<'network.camera.changed'>(token);
        await one.subscribe('network.camera.changed', { durable: `${token}-d` }, r.handler);
        const before = Date.now();
        const id = await one.publish('network.camera.changed', camera(token, 1));
        await waitFor('the event', () => r.seen.length === 1);
        const [e] = r.seen;
        assert.equal(e.id, id);
        assert.equal(e.subject, 'network.camera.changed');
        assert.deepEqual(e.payload, camera(token, 1));
        assert.equal(e.deliveryCount, 1);
        assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
        assert.ok(Math.abs(Date.parse(e.at) - before) < 60_000, `at ${e.at} is not the publication time`);
        const second = await one.publish('network.camera.changed', camera(token, 2));
        assert.notEqual(second, id, 'every publish gets its own id');
      });
    });

    test('patterns: video.> and network.*.changed match like NATS subjects', async () => {
      await withBuses(async ({ one, token }) => {
        const video = recorder(token);
        const changed = recorder(token);
        await one.subscribe('video.>', { durable: `${token}-video` }, video.handler);
        await one.subscribe('network.*.changed', { durable: `${token}-changed` }, changed.handler);
        await one.publish('video.camera.status', status(token, 1));
        await one.publish('network.camera.changed', camera(token, 2));
        await one.publish('network.site.changed', { siteId: `${token}-site`, cityId: 'pesh', scopePath: 'kp.pesh', change: 'created' });
        await one.publish('network.import.completed', { kind: 'cameras', format: 'csv', count: 1, by: token });
        await one.publish('identity.user.changed', { userId: token, change: 'created' });
        await waitFor('one video and two network events', () => video.seen.length >= 1 && changed.seen.length >= 2);
        await sleep(settleMs);
        assert.deepEqual(video.seen.map((e) => e.subject), ['video.camera.status']);
        assert.deepEqual(changed.seen.map((e) => e.subject).sort(), ['network.camera.changed', 'network.site.changed']);
      });
    });

    test('a handler that throws gets the same event again (at-least-once)', async () => {
      await withBuses(async ({ one, token }) => {
        const r = recorder<'network.camera.changed'>(token, (e) => {
          if (e.deliveryCount === 1) throw new Error('deliberate failure on first delivery');
        });
        await one.subscribe('network.camera.changed', { durable: `${token}-retry` }, r.handler);
        const id = await one.publish('network.camera.changed', camera(token, 1));
        await waitFor('the redelivery', () => r.seen.length >= 2);
        await sleep(settleMs);
        assert.deepEqual(r.seen.map((e) => [e.id, e.deliveryCount]), [[id, 1], [id, 2]]);
        assert.deepEqual(r.seen[1].payload, camera(token, 1));
      });
    });

    test(`a handler that always throws is given up on after maxDeliver (${TUNING.maxDeliver}) deliveries`, async () => {
      await withBuses(async ({ one, token }) => {
        const r = recorder(token, () => {
          throw new Error('deliberate failure on every delivery');
        });
        await one.subscribe('network.camera.changed', { durable: `${token}-poison` }, r.handler);
        await one.publish('network.camera.changed', camera(token, 1));
        await waitFor(`${TUNING.maxDeliver} deliveries`, () => r.seen.length >= TUNING.maxDeliver);
        await sleep(settleMs * 2);
        assert.deepEqual(r.seen.map((e) => e.deliveryCount), [1, 2, 3].slice(0, TUNING.maxDeliver));
      });
    });

    test('subscribers sharing a durable name share the events: each is handled once in total', async () => {
      await withBuses(async ({ one, other, token }) => {
        const a = recorder(token);
        const b = recorder(token);
        await one.subscribe('network.camera.changed', { durable: `${token}-shared` }, async (e) => {
          a.handler(e);
          await sleep(2);
        });
        await (await other()).subscribe('network.camera.changed', { durable: `${token}-shared` }, async (e) => {
          b.handler(e);
          await sleep(2);
        });
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) ids.push(await one.publish('network.camera.changed', camera(token, i)));
        await waitFor('30 events between the two', () => a.seen.length + b.seen.length >= 30);
        await sleep(settleMs);
        const handled = [...a.seen, ...b.seen].map((e) => e.id);
        assert.equal(handled.length, 30, 'an event was handled twice');
        assert.deepEqual(handled.sort(), ids.sort());
        assert.ok(a.seen.length > 0 && b.seen.length > 0, `work was not shared: ${a.seen.length} and ${b.seen.length}`);
      });
    });

    test('a durable consumer keeps events published while nobody listens and delivers them later', async () => {
      await withBuses(async ({ one, other, token }) => {
        const first = recorder(token);
        const sub = await one.subscribe('network.camera.changed', { durable: `${token}-keep` }, first.handler);
        await sub.unsubscribe();
        const ids = [await one.publish('network.camera.changed', camera(token, 1)), await one.publish('network.camera.changed', camera(token, 2))];
        await sleep(settleMs);
        assert.equal(first.seen.length, 0, 'an unsubscribed handler was called');
        const later = recorder(token);
        await (await other()).subscribe('network.camera.changed', { durable: `${token}-keep` }, later.handler);
        await waitFor('the kept events', () => later.seen.length >= 2);
        await sleep(settleMs);
        assert.deepEqual(later.seen.map((e) => e.id), ids);
      });
    });

    test('different durable names each get every event', async () => {
      await withBuses(async ({ one, other, token }) => {
        const x = recorder(token);
        const y = recorder(token);
        await one.subscribe('network.camera.changed', { durable: `${token}-x` }, x.handler);
        await (await other()).subscribe('network.camera.changed', { durable: `${token}-y` }, y.handler);
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push(await one.publish('network.camera.changed', camera(token, i)));
        await waitFor('five events at each', () => x.seen.length >= 5 && y.seen.length >= 5);
        await sleep(settleMs);
        assert.deepEqual(x.seen.map((e) => e.id), ids);
        assert.deepEqual(y.seen.map((e) => e.id), ids);
      });
    });

    test('a durable name keeps its filter: subscribing it with another is refused', async () => {
      await withBuses(async ({ one, token }) => {
        await one.subscribe('network.camera.changed', { durable: `${token}-f` }, () => {});
        await assert.rejects(one.subscribe('video.>', { durable: `${token}-f` }, () => {}), new RegExp(`${token}-f.*network\\.camera\\.changed`));
      });
    });

    test('ephemeral subscribers each see every event published after they subscribe, until they unsubscribe', async () => {
      await withBuses(async ({ one, other, token }) => {
        await one.publish('video.camera.status', status(token, 0));
        const a = recorder(token);
        const b = recorder(token);
        const subA = await one.subscribe('video.>', {}, a.handler);
        await (await other()).subscribe('video.camera.status', {}, b.handler);
        const ids = [];
        for (let i = 1; i <= 3; i++) ids.push(await one.publish('video.camera.status', status(token, i)));
        await waitFor('three events at each', () => a.seen.length >= 3 && b.seen.length >= 3);
        assert.deepEqual(a.seen.map((e) => e.id).sort(), [...ids].sort());
        assert.deepEqual(b.seen.map((e) => e.id).sort(), [...ids].sort());
        assert.ok(a.seen.every((e) => e.deliveryCount === 1 && e.subject === 'video.camera.status'));
        await subA.unsubscribe();
        await one.publish('video.camera.status', status(token, 4));
        await waitFor('the fourth event at b', () => b.seen.length >= 4);
        await sleep(settleMs);
        assert.equal(a.seen.length, 3, 'an unsubscribed ephemeral handler was called');
      });
    });

    test('close stops the bus: publish and subscribe are refused, close again is harmless', async () => {
      const bus = await makeBus(TUNING);
      await bus.close();
      await assert.rejects(bus.publish('identity.user.changed', { userId: 'u1', change: 'created' }), /closed/);
      await assert.rejects(bus.subscribe('identity.user.changed', {}, () => {}), /closed/);
      await bus.close();
    });

    if (opts.shared) {
      test('close lets a running handler finish and acknowledge, so its event is not delivered again', async () => {
        await withBuses(async ({ one, other, token }) => {
          const started = recorder(token);
          let finished = 0;
          await one.subscribe('network.camera.changed', { durable: `${token}-close` }, async (e) => {
            started.handler(e);
            if (!carries(token, e)) return;
            await sleep(200);
            finished++;
          });
          await one.publish('network.camera.changed', camera(token, 1));
          await waitFor('the handler to start', () => started.seen.length === 1);
          await one.close();
          assert.equal(finished, 1, 'close returned before the running handler finished');
          const again = recorder(token);
          await (await other()).subscribe('network.camera.changed', { durable: `${token}-close` }, again.handler);
          await sleep(settleMs * 2);
          assert.equal(again.seen.length, 0, 'the event handled during close came back');
        });
      });
    }
  });
}
