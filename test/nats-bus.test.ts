import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { connect } from 'nats';
import { busContract } from '../src/platform/bus/bus.contract.ts';
import { NatsBus } from '../src/platform/bus/nats-bus.ts';

const url = process.env.NATS_URL;

if (!url) {
  test('NatsBus contract', { skip: 'NATS_URL is not set: start NATS with JetStream and set NATS_URL=nats://127.0.0.1:4222' }, () => {});
} else {
  // A stream of its own per run, so no run sees another's events; deleted afterwards.
  const stream = `SAFECITY_TEST_${process.pid}_${randomBytes(3).toString('hex')}`;
  busContract('NatsBus', (tuning) => NatsBus.connect({ url, stream, ackWaitMs: 5000, batch: 4, name: 'safecity-test', onError: () => {}, ...tuning }), {
    shared: true,
  });
  after(async () => {
    const nc = await connect({ servers: url });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(stream).catch(() => undefined);
    } finally {
      await nc.close();
    }
  });
}
