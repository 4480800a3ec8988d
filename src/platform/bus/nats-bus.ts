import { randomUUID } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  connect,
  millis,
  nanos,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from 'nats';
import { checkDurableName, type BusEvent, type EventBus, type Handler, type SubjectFilter, type SubscribeOptions, type Subscription } from './bus.ts';
import { checkPayload, isSubject, type Payload, type Subject } from './events.ts';

export interface NatsBusOptions {
  /** nats:// URL of a server with JetStream enabled. */
  url: string;
  /** Stream holding every safecity subject; its lower-cased name prefixes the subjects (SAFECITY -> safecity.>). */
  stream: string;
  /** Deliveries of one event before a durable consumer gives up on it. */
  maxDeliver: number;
  /** How long a handler may run before its event is delivered again elsewhere. */
  ackWaitMs: number;
  /** Pause before an event whose handler threw is offered again; keeps a failing handler from spinning. */
  redeliveryDelayMs?: number;
  /**
   * Most events a durable subscriber takes at once when a backlog is waiting (one when there is none).
   * Kept small because the ack-wait clock runs from delivery, so batch × handler time must stay well
   * under ackWaitMs, and so that subscribers in other processes get a fair share.
   */
  batch?: number;
  /** How long the stream keeps events (whether or not every consumer has had them). */
  maxAgeMs?: number;
  /** Connection name shown by the server's monitoring. */
  name?: string;
  onError?: (err: unknown, event: BusEvent | undefined) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface Envelope {
  id: string;
  subject: Subject;
  at: string;
  payload: unknown;
}

interface DurableSubscription {
  /** The pull in progress, if any; stopping it ends the wait for messages at once. */
  pull?: ConsumerMessages;
  stopping: boolean;
  loop: Promise<void>;
}

// An idle pull waits this long for a message before it is renewed.
const PULL_EXPIRES_MS = 5000;

/**
 * The multi-node bus: one JetStream stream; durable subscriptions are durable pull consumers (shared
 * by every subscriber with the same name, in any process), ephemeral ones are core NATS subscriptions.
 */
export class NatsBus implements EventBus {
  readonly kind = 'nats' as const;
  private readonly prefix: string;
  private readonly durables = new Set<DurableSubscription>();
  private readonly ephemerals = new Set<NatsSubscription>();
  private closed = false;
  private readonly onError: (err: unknown, event: BusEvent | undefined) => void;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: Required<Omit<NatsBusOptions, 'onError' | 'name'>>,
    onError: NatsBusOptions['onError'],
  ) {
    this.prefix = options.stream.toLowerCase();
    this.onError =
      onError ?? ((err, e) => console.error(`bus: handler for ${e?.subject ?? 'an undecodable event'} failed (delivery ${e?.deliveryCount ?? '?'}):`, err));
  }

  /** Connects and creates the stream, or brings its subjects up to date if it exists. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    if (!/^nats:\/\//.test(options.url)) throw new Error(`bus.natsUrl: must be a nats:// URL, got "${options.url}"`);
    if (!/^[A-Za-z0-9_-]+$/.test(options.stream)) throw new Error(`bus.stream: "${options.stream}" may hold only letters, digits, _ and -`);
    const settings = {
      url: options.url,
      stream: options.stream,
      maxDeliver: options.maxDeliver,
      ackWaitMs: options.ackWaitMs,
      redeliveryDelayMs: options.redeliveryDelayMs ?? 1000,
      batch: options.batch ?? 8,
      maxAgeMs: options.maxAgeMs ?? 7 * DAY_MS,
    };
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: options.url, name: options.name ?? 'safecity', maxReconnectAttempts: -1 });
    } catch (err) {
      throw new Error(`bus: cannot connect to NATS at ${options.url}: ${(err as Error).message}`);
    }
    try {
      const jsm = await nc.jetstreamManager();
      const bus = new NatsBus(nc, nc.jetstream(), jsm, settings, options.onError);
      await bus.ensureStream();
      return bus;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private async ensureStream(): Promise<void> {
    const subjects = [`${this.prefix}.>`];
    const existing = await this.jsm.streams.info(this.options.stream).catch((err: Error) => {
      if (/stream not found/i.test(err.message)) return undefined;
      throw err;
    });
    if (!existing) {
      await this.jsm.streams.add({
        name: this.options.stream,
        subjects,
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: nanos(this.options.maxAgeMs),
        duplicate_window: nanos(2 * 60 * 1000),
      });
    } else if (existing.config.subjects?.join() !== subjects.join() || millis(existing.config.max_age) !== this.options.maxAgeMs) {
      await this.jsm.streams.update(this.options.stream, { ...existing.config, subjects, max_age: nanos(this.options.maxAgeMs) });
    }
  }

  async publish<S extends Subject>(subject: S, payload: Payload<S>): Promise<string> {
    if (this.closed) throw new Error('bus is closed');
    const envelope: Envelope = { id: randomUUID(), subject, at: new Date().toISOString(), payload: checkPayload(subject, payload) };
    // The id doubles as the JetStream message id, so a publish retried after a lost ack is stored once.
    await this.js.publish(`${this.prefix}.${subject}`, JSON.stringify(envelope), { msgID: envelope.id });
    return envelope.id;
  }

  async subscribe<S extends Subject>(filter: SubjectFilter<S>, options: SubscribeOptions, handler: Handler<S>): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const natsFilter = `${this.prefix}.${filter}`;
    if (!options.durable) return this.subscribeEphemeral(natsFilter, handler as Handler);
    return this.subscribeDurable(checkDurableName(options.durable), filter, natsFilter, handler as Handler);
  }

  private async subscribeEphemeral(natsFilter: string, handler: Handler): Promise<Subscription> {
    const sub = this.nc.subscribe(natsFilter, {
      callback: (err, msg) => {
        if (err) return this.onError(err, undefined);
        const event = this.decode(msg, 1);
        if (!event) return;
        Promise.resolve()
          .then(() => handler(event))
          .catch((e) => this.onError(e, event));
      },
    });
    this.ephemerals.add(sub);
    // Once the server has the interest, every later publish reaches this subscriber.
    await this.nc.flush();
    return {
      unsubscribe: async () => {
        this.ephemerals.delete(sub);
        sub.unsubscribe();
      },
    };
  }

  private async subscribeDurable(name: string, filter: string, natsFilter: string, handler: Handler): Promise<Subscription> {
    await this.ensureConsumer(name, filter, natsFilter);
    const consumer = await this.js.consumers.get(this.options.stream, name);
    const entry: DurableSubscription = { stopping: false, loop: Promise.resolve() };
    entry.loop = this.pullLoop(entry, consumer, handler);
    this.durables.add(entry);
    return {
      unsubscribe: async () => {
        entry.stopping = true;
        this.durables.delete(entry);
        // Not awaiting the loop: a handler may unsubscribe its own subscription.
        entry.pull?.stop();
      },
    };
  }

  private async ensureConsumer(name: string, filter: string, natsFilter: string): Promise<void> {
    const config = {
      durable_name: name,
      filter_subject: natsFilter,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      max_deliver: this.options.maxDeliver,
      ack_wait: nanos(this.options.ackWaitMs),
    };
    const existing = await this.jsm.consumers.info(this.options.stream, name).catch((err: Error) => {
      if (/consumer not found/i.test(err.message)) return undefined;
      throw err;
    });
    if (!existing) {
      await this.jsm.consumers.add(this.options.stream, config);
      return;
    }
    if (existing.config.filter_subject !== natsFilter) {
      const had = existing.config.filter_subject?.slice(this.prefix.length + 1) ?? '(all)';
      throw new Error(`durable consumer "${name}" already filters "${had}", not "${filter}"`);
    }
    if (existing.config.max_deliver !== config.max_deliver || existing.config.ack_wait !== config.ack_wait) {
      await this.jsm.consumers.update(this.options.stream, name, { max_deliver: config.max_deliver, ack_wait: config.ack_wait });
    }
  }

  /**
   * Pulls only while the handler is idle: an event is never parked behind a busy (or stuck) handler,
   * so when its ack-wait runs out it is redelivered to a subscriber that is free. With a backlog the
   * pull takes up to `batch` events at once, which the server can hand over in one go.
   */
  private async pullLoop(entry: DurableSubscription, consumer: Consumer, handler: Handler): Promise<void> {
    let backlog = 0;
    while (!entry.stopping && !this.closed) {
      try {
        entry.pull = await consumer.fetch({ max_messages: Math.min(this.options.batch, Math.max(1, backlog)), expires: PULL_EXPIRES_MS });
        backlog = 0;
        for await (const m of entry.pull) {
          // Messages that arrive after an unsubscribe go straight back, so no one waits out their ack-wait.
          if (entry.stopping || this.closed) {
            m.nak();
            continue;
          }
          backlog = m.info.pending;
          await this.handleDurable(m, handler);
        }
      } catch (err) {
        if (entry.stopping || this.closed) break;
        this.onError(err, undefined);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        entry.pull = undefined;
      }
    }
  }

  private async handleDurable(m: JsMsg, handler: Handler): Promise<void> {
    const event = this.decode(m, m.info.deliveryCount);
    if (!event) {
      m.term();
      return;
    }
    try {
      await handler(event);
      m.ack();
    } catch (err) {
      this.onError(err, event);
      m.nak(this.options.redeliveryDelayMs);
    }
  }

  /** Undecodable messages (not published by a safecity bus) are reported, never handed to handlers. */
  private decode(msg: Msg | JsMsg, deliveryCount: number): BusEvent | undefined {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(new TextDecoder().decode(msg.data));
    } catch (err) {
      this.onError(new Error(`bus: message on ${msg.subject} is not JSON: ${(err as Error).message}`), undefined);
      return undefined;
    }
    if (typeof envelope?.id !== 'string' || typeof envelope.at !== 'string' || !isSubject(envelope.subject ?? '')) {
      this.onError(new Error(`bus: message on ${msg.subject} is not a safecity event envelope`), undefined);
      return undefined;
    }
    return { id: envelope.id, subject: envelope.subject, at: envelope.at, payload: envelope.payload as Payload<Subject>, deliveryCount };
  }

  /** Stops taking events, lets running handlers finish and acknowledge, then drains the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const loops = [...this.durables].map((d) => {
      d.pull?.stop();
      return d.loop;
    });
    this.durables.clear();
    for (const s of this.ephemerals) s.unsubscribe();
    this.ephemerals.clear();
    await Promise.all(loops);
    await this.nc.drain();
  }
}
