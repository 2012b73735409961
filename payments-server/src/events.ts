import Stripe from "stripe";
import { found } from "./errors.ts";
import { newId, unixNow } from "./ids.ts";
import { wildcard } from "./matching.ts";
import type { StripeEvent, StripeObject } from "./objects.ts";
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
  create(type: string, object: StripeObject, request: EventRequest, pendingWebhooks: number, created = unixNow()): StripeEvent {
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

  clear(): void {
    this.events.length = 0;
    this.byId.clear();
  }
}

interface ListQuery {
  limit: number;
  type?: string;
  types?: string[];
  startingAfter?: string;
  endingBefore?: string;
}

/** Stripe's list endpoint: newest first, `type` may end in `*`, cursor pagination by event id. */
export const listEvents = defineEndpoint<ListQuery>({
  method: "GET",
  path: "/v1/events",
  prepare(params) {
    const query: ListQuery = {
      limit: params.integer("limit", { min: 1, max: 100 }) ?? 10,
      type: params.string("type"),
      types: params.list("types"),
      startingAfter: params.string("starting_after"),
      endingBefore: params.string("ending_before"),
    };
    params.ignore("expand");
    params.finish();
    return query;
  },
  execute(query, exec) {
    const { limit, type, types, startingAfter, endingBefore } = query;
    let events = exec.app.events.all().filter((e) => (!type || wildcard(type, e.type)) && (!types || types.includes(e.type)));
    const position = (id: string, param: string) => {
      const index = events.findIndex((e) => e.id === id);
      return index >= 0 ? index : found<number>(undefined, "event", id, param, 400);
    };
    if (startingAfter) events = events.slice(position(startingAfter, "starting_after") + 1);
    if (endingBefore) events = events.slice(0, position(endingBefore, "ending_before"));
    const data = endingBefore ? events.slice(-limit) : events.slice(0, limit);
    return { object: "list", data, has_more: events.length > data.length, url: "/v1/events" };
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
