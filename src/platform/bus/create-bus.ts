import type { Config } from '../../config/config.schema.ts';
import type { EventBus } from './bus.ts';
import { MemoryBus } from './memory-bus.ts';
import { NatsBus } from './nats-bus.ts';

/** NATS JetStream when a server is configured (several nodes), else the in-process bus (one node). */
export async function createBus(config: Config['bus']): Promise<EventBus> {
  if (config.natsUrl) {
    return NatsBus.connect({ url: config.natsUrl, stream: config.stream, maxDeliver: config.maxDeliver, ackWaitMs: config.ackWaitMs });
  }
  return new MemoryBus({ maxDeliver: config.maxDeliver });
}
