import { randomUUID } from 'node:crypto';
import { checkDurableName, type BusEvent, type EventBus, type Handler, type SubjectFilter, type SubscribeOptions, type Subscription } from './bus.ts';
import { checkPayload, subjectMatches, type Payload, type Subject } from './events.ts';

interface Member {
  handler: Handler<any>;
  active: boolean;
}

interface Durable {
  filter: string;
  members: Member[];
  next: number;
  queue: BusEvent[];
  draining: boolean;
}

export interface MemoryBusOptions {
  maxDeliver?: number;
  redeliveryDelayMs?: number;
  onError?: (err: unknown, event: BusEvent) => void;
}

/**
 * The single-node bus: same contract as the NATS adapter, kept in this process's memory. Durable
 * consumers keep their queue while nobody listens, but not across a restart (use NATS for that).
 */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly durables = new Map<string, Durable>();
  private readonly ephemerals = new Set<{ filter: string; handler: Handler<any> }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly maxDeliver: number;
  private readonly redeliveryDelayMs: number;
  private readonly onError: (err: unknown, event: BusEvent) => void;

  constructor(options: MemoryBusOptions = {}) {
    this.maxDeliver = options.maxDeliver ?? 10;
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 50;
    this.onError = options.onError ?? ((err, e) => console.error(`bus: handler for ${e.subject} failed (delivery ${e.deliveryCount}):`, err));
  }

  async publish<S extends Subject>(subject: S, payload: Payload<S>): Promise<string> {
    if (this.closed) throw new Error('bus is closed');
    const event: BusEvent = { id: randomUUID(), subject, at: new Date().toISOString(), payload: checkPayload(subject, payload), deliveryCount: 0 };
    for (const d of this.durables.values()) {
      if (subjectMatches(d.filter, subject)) {
        d.queue.push(event);
        this.drain(d);
      }
    }
    for (const e of this.ephemerals) {
      if (subjectMatches(e.filter, subject)) {
        queueMicrotask(() => {
          Promise.resolve()
            .then(() => e.handler({ ...event, deliveryCount: 1 }))
            .catch((err) => this.onError(err, event));
        });
      }
    }
    return event.id;
  }

  async subscribe<S extends Subject>(filter: SubjectFilter<S>, options: SubscribeOptions, handler: Handler<S>): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    if (!options.durable) {
      const entry = { filter, handler };
      this.ephemerals.add(entry);
      return { unsubscribe: async () => void this.ephemerals.delete(entry) };
    }
    checkDurableName(options.durable);
    let d = this.durables.get(options.durable);
    if (!d) {
      d = { filter, members: [], next: 0, queue: [], draining: false };
      this.durables.set(options.durable, d);
    } else if (d.filter !== filter) {
      throw new Error(`durable consumer "${options.durable}" already filters "${d.filter}", not "${filter}"`);
    }
    const member: Member = { handler, active: true };
    d.members.push(member);
    const durable = d;
    this.drain(durable);
    return {
      unsubscribe: async () => {
        member.active = false;
        durable.members = durable.members.filter((m) => m !== member);
      },
    };
  }

  private drain(d: Durable): void {
    if (d.draining || this.closed) return;
    d.draining = true;
    queueMicrotask(async () => {
      try {
        while (d.queue.length && d.members.length && !this.closed) {
          const event = d.queue.shift()!;
          const member = d.members[d.next++ % d.members.length];
          const delivery = { ...event, deliveryCount: event.deliveryCount + 1 };
          try {
            await member.handler(delivery);
          } catch (err) {
            this.onError(err, delivery);
            if (delivery.deliveryCount < this.maxDeliver) this.redeliverLater(d, delivery);
          }
        }
      } finally {
        d.draining = false;
      }
    });
  }

  private redeliverLater(d: Durable, event: BusEvent): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      d.queue.push(event);
      this.drain(d);
    }, this.redeliveryDelayMs);
    this.timers.add(timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ephemerals.clear();
    this.durables.clear();
  }
}
