import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { BusEvent } from '../src/platform/bus/bus.ts';
import { busContract } from '../src/platform/bus/bus.contract.ts';
import { createBus } from '../src/platform/bus/create-bus.ts';
import { NatsBus } from '../src/platform/bus/nats-bus.ts';

const url = process.env.NATS_URL;

if (!url) {
  test('NatsBus contract', { skip: 'NATS_URL is not set: start NATS with JetStream and set NATS_URL=nats://127.0.0.1:4222' }, () => {});
} else {
  // A stream of its own per run, so no run sees another's events; deleted afterwards.
  const stream = `SAFECITY_TEST_${process.pid}_${randomBytes(3).toString('hex')}`;
  const prefix = stream.toLowerCase();

  async function withConnection<T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
    const nc = await connect({ servers: url });
    try {
      return await fn(nc);
    } finally {
      await nc.close();
    }
  }

  busContract('NatsBus', (tuning) => NatsBus.connect({ url, stream, ackWaitMs: 5000, batch: 4, name: 'safecity-test', onError: () => {}, ...tuning }), {
    shared: true,
  });

  test('createBus picks NATS when a URL is set, and the stream holds the prefixed subjects', async () => {
    const bus = await createBus({ natsUrl: url, stream, maxDeliver: 5, ackWaitMs: 10_000 });
    try {
      assert.equal(bus.kind, 'nats');
      const token = randomBytes(4).toString('hex');
      await bus.publish('identity.user.changed', { userId: token, change: 'created' });
      const info = await withConnection(async (nc) => (await nc.jetstreamManager()).streams.info(stream));
      assert.deepEqual(info.config.subjects, [`${prefix}.>`]);
      const stored = await withConnection(async (nc) => (await nc.jetstreamManager()).streams.getMessage(stream, { last_by_subj: `${prefix}.identity.user.changed` }));
      const envelope = stored.json<{ id: string; subject: string; at: string; payload: unknown }>();
      assert.equal(envelope.subject, 'identity.user.changed');
      assert.deepEqual(envelope.payload, { userId: token, change: 'created' });
    } finally {
      await bus.close();
    }
  });

  test('a message that is not a safecity event is reported and dropped; the events after it still arrive', async () => {
    const errors: string[] = [];
    const bus = await NatsBus.connect({ url, stream, maxDeliver: 3, ackWaitMs: 5000, onError: (err) => errors.push(String(err)) });
    try {
      const token = randomBytes(4).toString('hex');
      const seen: BusEvent[] = [];
      await bus.subscribe('network.camera.changed', { durable: `garbage-${token}` }, (e) => void seen.push(e));
      await withConnection(async (nc) => {
        const js = nc.jetstream();
        await js.publish(`${prefix}.network.camera.changed`, 'not json at all');
        await js.publish(`${prefix}.network.camera.changed`, JSON.stringify({ hello: 'world' }));
      });
      const id = await bus.publish('network.camera.changed', { cameraId: token, siteId: 's', scopePath: 'kp', change: 'created' });
      const deadline = Date.now() + 5000;
      while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(seen.map((e) => e.id), [id]);
      assert.equal(errors.filter((e) => /not JSON/.test(e)).length, 1, errors.join('\n'));
      assert.equal(errors.filter((e) => /not a safecity event envelope/.test(e)).length, 1, errors.join('\n'));
    } finally {
      await bus.close();
    }
  });

  test('an event whose handler outlives ackWait goes to another subscriber of the durable', async () => {
    const opts = { url, stream, maxDeliver: 3, ackWaitMs: 400, onError: () => {} };
    const stuck = await NatsBus.connect(opts);
    const healthy = await NatsBus.connect(opts);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    try {
      const token = randomBytes(4).toString('hex');
      const durable = `slow-${token}`;
      const atStuck: BusEvent[] = [];
      const atHealthy: BusEvent[] = [];
      await stuck.subscribe('network.camera.changed', { durable }, async (e) => {
        atStuck.push(e);
        await held;
      });
      const id = await stuck.publish('network.camera.changed', { cameraId: token, siteId: 's', scopePath: 'kp', change: 'updated' });
      const deadline = Date.now() + 5000;
      while (atStuck.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await healthy.subscribe('network.camera.changed', { durable }, (e) => void atHealthy.push(e));
      while (atHealthy.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(atStuck.map((e) => [e.id, e.deliveryCount]), [[id, 1]]);
      assert.deepEqual(atHealthy.map((e) => [e.id, e.deliveryCount]), [[id, 2]]);
    } finally {
      release();
      await stuck.close();
      await healthy.close();
    }
  });

  after(async () => {
    await withConnection(async (nc) => {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    });
  });
}
