import Stripe from "stripe";
import { found } from "./errors.ts";
import { newId, unixNow } from "./ids.ts";
import { wildcard } from "./matching.ts";
import type { StripeEvent, StripeObject } from "./objects.ts";
import { listEndpoint } from "./lists.ts";
import { defineEndpoint } from "./router.ts";

/** Events carry the account's API version; ours is the one the pinned SDK speaks. */
export const API_VERSION: string = Stripe.API_VERSION;

export interface EventRequest {
  id: string | null;
  idempotency_key: string | null;
}

/** The account's event log, newest last; /v1/events lists it newest first, as Stripe does. */
export class EventLog {
  private readonly events: StripeEvent[] = [];
  private readonly byId = new Map<string, StripeEvent>();

  /** Snapshots `object` as it is now: later changes to the object must not alter the event. */
  create(type: StripeEvent["type"], object: StripeObject, request: EventRequest, pendingWebhooks: number, created = unixNow()): StripeEvent {
    const event: StripeEvent = {
      id: newId("evt"),
      object: "event",
      api_version: API_VERSION,
      created,
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: pendingWebhooks,
      request,
      type,
    };
    this.events.push(event);
    this.byId.set(event.id, event);
    return event;
  }

  get(id: string): StripeEvent | undefined {
    return this.byId.get(id);
  }

  /** Newest first. */
  all(): StripeEvent[] {
    return [...this.events].reverse();
  }

  /** Oldest first, as they happened. */
  chronological(): StripeEvent[] {
    return [...this.events];
  }

  clear(): void {
    this.events.length = 0;
    this.byId.clear();
  }
}

/** `GET /v1/events`: `type` may end in `*`, `types[]` lists several. */
export const listEvents = listEndpoint<StripeEvent>({
  path: "/v1/events",
  kind: "event",
  all: (app) => app.events.all(),
  filter(params) {
    const type = params.string("type");
    const types = params.list("types");
    return (e) => (!type || wildcard(type, e.type)) && (!types || types.includes(e.type));
  },
});

export const retrieveEvent = defineEndpoint<StripeEvent>({
  method: "GET",
  path: "/v1/events/:id",
  prepare(params, { id = "" }, app) {
    params.ignore("expand");
    params.finish();
    return found(app.events.get(id), "event", id);
  },
  execute: (event) => event,
});
