import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBus } from './create-bus.ts';

const defaults = { stream: 'SAFECITY', maxDeliver: 10, ackWaitMs: 30_000 };

test('without a NATS URL the bus is the in-process one', async () => {
  const bus = await createBus(defaults);
  assert.equal(bus.kind, 'memory');
  await bus.close();
});

test('a NATS server that does not answer is an error naming its URL', async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  await assert.rejects(createBus({ ...defaults, natsUrl: 'nats://127.0.0.1:1' }), /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
});
