import type { Payload, Subject } from './events.ts';

export interface BusEvent<S extends Subject = Subject> {
  /** Unique per published event; a redelivery keeps the id (handlers use it to stay idempotent). */
  id: string;
  subject: S;
  /** ISO time of publication. */
  at: string;
  payload: Payload<S>;
  /** 1 on first delivery, 2+ on redeliveries. */
  deliveryCount: number;
}

export type Handler<S extends Subject = Subject> = (event: BusEvent<S>) => Promise<void> | void;

export interface SubscribeOptions {
  /**
   * Durable consumer name. Subscribers that share a name share the work (each event goes to one of
   * them), events are kept while none is connected, and an event whose handler throws is delivered
   * again (at-least-once, up to maxDeliver). Without a name the subscription is ephemeral: this
   * subscriber sees every event published from now on, at most once (for pushing to live consoles).
   */
  durable?: string;
}

/** Durable names become JetStream consumer names, so both adapters accept only what NATS does. */
export function checkDurableName(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new Error(`durable: "${name}" must be 1-64 letters, digits, _ or - (no dots, spaces or wildcards)`);
  }
  return name;
}

export interface Subscription {
  unsubscribe(): Promise<void>;
}

/** A subject from the catalogue, or a NATS-style pattern over them (`video.>`, `network.*.changed`). */
export type SubjectFilter<S extends Subject> = S | `${string}>` | `${string}*${string}`;

export interface EventBus {
  readonly kind: 'memory' | 'nats';
  /** Validates the payload against the catalogue and publishes it; resolves once the bus has it. */
  publish<S extends Subject>(subject: S, payload: Payload<S>): Promise<string>;
  subscribe<S extends Subject>(filter: SubjectFilter<S>, options: SubscribeOptions, handler: Handler<S>): Promise<Subscription>;
  close(): Promise<void>;
}
