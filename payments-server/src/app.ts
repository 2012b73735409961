import { pino, type Logger } from "pino";
import { type PaymentsServerOptions, type RuntimeConfig, runtimeConfig } from "./config.ts";
import { type EventRequest, EventLog } from "./events.ts";
import { FaultRegistry } from "./faults.ts";
import { IdempotencyStore } from "./idempotency.ts";
import type { Subject } from "./matching.ts";
import type { PaymentIntent, StripeEvent, StripeObject } from "./objects.ts";
import { RequestLog } from "./request-log.ts";
import { SearchIndex } from "./search-index.ts";
import { injectEvent } from "./stale-events.ts";
import { type Origin, Store } from "./store.ts";
import { Timers } from "./timers.ts";
import { WebhookDispatcher } from "./webhooks.ts";

/** Everything one server instance holds; servers started side by side in tests share nothing. */
export interface App {
  readonly config: RuntimeConfig;
  readonly testApi: boolean;
  readonly logger: Logger;
  readonly store: Store;
  readonly search: SearchIndex;
  readonly events: EventLog;
  readonly idempotency: IdempotencyStore;
  readonly faults: FaultRegistry;
  readonly requests: RequestLog;
  readonly timers: Timers;
  readonly webhooks: WebhookDispatcher;
}

export function createApp(opts: PaymentsServerOptions): App {
  const config = runtimeConfig(opts);
  const logger = opts.logger ?? pino({ level: "silent" });
  const timers = new Timers();
  const store = new Store();
  const app: App = {
    config,
    testApi: opts.testApi ?? false,
    logger,
    store,
    search: new SearchIndex((pi) => storedSubject(app, pi)),
    events: new EventLog(),
    idempotency: new IdempotencyStore(() => config.idempotencyTtlMs),
    faults: new FaultRegistry(),
    requests: new RequestLog(),
    timers,
    webhooks: new WebhookDispatcher({
      config,
      logger,
      timers,
      subjectOf: (event) => objectSubject(app, event.data.object, event.request.idempotency_key, event.type),
      extraEvents: (batch, types) => {
        const intents = new Set(batch.map((e) => store.paymentIntentOf(e.data.object)?.id).filter((id) => id !== undefined));
        return [...intents].flatMap((paymentIntent) => types.map((type) => injectEvent(app, { type, paymentIntent })));
      },
    }),
  };
  return app;
}

/** How an object (or an event about it) looks to a Match: the metadata is its PaymentIntent's, where the shop puts it. */
export function objectSubject(app: App, object: StripeObject, idempotencyKey: string | null, type?: string): Subject {
  return {
    idempotencyKey,
    metadata: app.store.metadataOf(object),
    paymentIntent: app.store.paymentIntentOf(object)?.id ?? null,
    type,
  };
}

/** An object as a Match sees it, keyed by the idempotency key of the request that created it. */
export function storedSubject(app: App, object: StripeObject): Subject {
  return objectSubject(app, object, app.store.originOf(object.id)?.idempotencyKey ?? null);
}

/** Forgets all data, faults, rules and pending work; keeps the configuration (webhook URL, secret, delays). */
export function resetApp(app: App): void {
  app.timers.clear();
  app.webhooks.reset();
  app.store.clear();
  app.search.clear();
  app.events.clear();
  app.idempotency.clear();
  app.faults.rules.clear();
  app.requests.clear();
}

/**
 * One state change: the objects it creates and the events it emits. Events are handed to webhook delivery together,
 * after the change is complete (and, for API requests, after the idempotent result is saved).
 */
export class Execution {
  private readonly emitted: StripeEvent[] = [];
  private readonly changed = new Set<PaymentIntent>();

  constructor(
    readonly app: App,
    readonly request: EventRequest,
  ) {}

  save(object: StripeObject): void {
    const origin: Origin = { requestId: this.request.id, idempotencyKey: this.request.idempotency_key };
    this.app.store.add(object, origin);
    this.touch(object);
  }

  emit(type: StripeEvent["type"], object: StripeObject): StripeEvent {
    const event = this.app.events.create(type, object, this.request, this.app.config.webhookUrl ? 1 : 0);
    this.emitted.push(event);
    this.touch(object);
    return event;
  }

  /** Every PaymentIntent change is saved or announced by an event: that is how search learns of it. */
  private touch(object: StripeObject): void {
    if (object.object === "payment_intent") this.changed.add(object);
  }

  /** The change is complete: search indexes it (after its delay, if any), then webhooks announce it. */
  publish(): void {
    for (const pi of this.changed) this.app.search.record(pi);
    this.changed.clear();
    this.app.webhooks.publish(this.emitted.splice(0));
  }
}
