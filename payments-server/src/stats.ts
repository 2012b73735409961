import { type App, objectSubject, storedSubject } from "./app.ts";
import { type Match, matches } from "./matching.ts";
import type { StripeObject } from "./objects.ts";
import type { Outcome } from "./request-log.ts";

type RequestCounts = Record<Outcome, number>;

function zeroCounts(): RequestCounts {
  return { executed: 0, replayed: 0, conflict: 0, mismatch: 0, rejected: 0, unavailable: 0 };
}

/**
 * What happened, overall or for one order: a Match on idempotency key selects what requests with that key created;
 * a Match on metadata selects what belongs to PaymentIntents carrying it. The question the duplicate scenarios
 * ask is "how many times was this order charged?": `charges.succeeded` and `capturedAmount` answer it.
 */
export function computeStats(app: App, match: Match) {
  const selected = <T extends StripeObject>(objects: Iterable<T>) => [...objects].filter((o) => matches(match, storedSubject(app, o)));
  const intents = selected(app.store.paymentIntents.values());
  const charges = selected(app.store.charges.values());
  const refunds = selected(app.store.refunds.values());

  const requests = { ...zeroCounts(), total: 0, byIdempotencyKey: {} as Record<string, RequestCounts> };
  for (const r of app.requests.all()) {
    if (!matches(match, r)) continue;
    requests[r.outcome]++;
    requests.total++;
    if (r.idempotencyKey) (requests.byIdempotencyKey[r.idempotencyKey] ??= zeroCounts())[r.outcome]++;
  }

  const byEvent: Record<string, { type: string; attempted: number; succeeded: number; failed: number }> = {};
  let events = 0;
  for (const event of app.events.all()) {
    if (!matches(match, objectSubject(app, event.data.object, event.request.idempotency_key, event.type))) continue;
    events++;
    const delivery = app.webhooks.deliveryStats().get(event.id);
    if (delivery) byEvent[event.id] = { ...delivery };
  }
  const deliveries = Object.values(byEvent);
  const sum = (key: "attempted" | "succeeded" | "failed") => deliveries.reduce((n, d) => n + d[key], 0);

  return {
    match,
    paymentIntents: {
      created: intents.length,
      byStatus: intents.reduce<Record<string, number>>((acc, pi) => ({ ...acc, [pi.status]: (acc[pi.status] ?? 0) + 1 }), {}),
    },
    charges: {
      created: charges.length,
      succeeded: charges.filter((c) => c.status === "succeeded").length,
      failed: charges.filter((c) => c.status === "failed").length,
      pending: charges.filter((c) => c.status === "pending").length,
    },
    capturedAmount: charges.reduce((n, c) => n + c.amount_captured, 0),
    refunds: { count: refunds.length, amount: refunds.reduce((n, r) => n + r.amount, 0) },
    requests,
    events,
    webhooks: { attempted: sum("attempted"), succeeded: sum("succeeded"), failed: sum("failed"), byEvent },
  };
}

export type Stats = ReturnType<typeof computeStats>;
