/**
 * The steps a checkout's timeline is made of, and how each reads to a person. Client-safe (no
 * database import): the order page, the lab and the admin dashboard all render these.
 */
export type ClaimOutcome = "new" | "replayed" | "in_flight" | "mismatch" | "taken_over";
export type OrderStatusName = "pending" | "processing" | "paid" | "failed" | "refunded";

export type AuditDetail = {
  /** What the idempotency layer did with one request's key. */
  claim: { outcome: ClaimOutcome; key: string; status?: number };
  /** The last step that committed: a retry or the completer resumes from here. */
  recovery_point: { point: "order_created" | "finished"; status?: number };
  /** One call to Stripe: the key the shop derived, and whether Stripe answered from its idempotency store. */
  stripe_call: { operation: "payment_intents.create" | "payment_intents.retrieve" | "payment_intents.list" | "payment_intents.search" | "refunds.create"; idempotencyKey: string | null; replayed: boolean; result: string; error?: string };
  lock_released: { reason: string };
  /** A new payment attempt under its own Stripe key, after reconciling found no PaymentIntent for the last one. */
  payment_attempt: { attempt: number; reason: "key_window_passed" | "provider_error_saved" };
  order_status: { to: OrderStatusName; by: "checkout" | "webhook" | "refund" | "naive_checkout" | "completer" };
  webhook: { eventId: string; type: string; result: "applied" | "no_change" | "duplicate" | "stale_ignored" | "deferred"; reason?: string };
  outbox: { state: "queued" | "sent"; kind: string; via?: "in_process" | "broker" };
  /** One delivery of a message reaching the idempotent consumer (lib/mail/consume.ts). */
  mail: { result: "delivered" | "duplicate"; via: "in_process" | "broker"; delivery: number; kind: string };
  /** took_over: a record stuck at ORDER_CREATED; took_over_order: an order with no unfinished record (its record purged, or its webhook never came). */
  completer: { action: "took_over" | "took_over_order" };
  naive_order: { note: string };
};
export type AuditKind = keyof AuditDetail;

/** One row of a timeline as the API returns it. */
export type TimelineEvent = {
  [K in AuditKind]: { id: string; at: string; kind: K; orderId: string | null; detail: AuditDetail[K] };
}[AuditKind];

export type Actor = "shop" | "stripe" | "webhook" | "outbox" | "mailer" | "completer";

/** Who acted, and a sentence a reader who never saw the code understands. */
export function describeEvent(event: TimelineEvent): { actor: Actor; text: string; tone: "good" | "warn" | "bad" | "info" } {
  switch (event.kind) {
    case "claim": {
      const { outcome, key } = event.detail;
      const short = shortKey(key);
      if (outcome === "new") return { actor: "shop", text: `Key ${short} claimed: a new checkout`, tone: "info" };
      if (outcome === "replayed") return { actor: "shop", text: `Key ${short} already finished: stored answer ${event.detail.status ?? ""} replayed, nothing re-run`, tone: "good" };
      if (outcome === "in_flight") return { actor: "shop", text: `Key ${short} is still being processed: 409, retry later`, tone: "warn" };
      if (outcome === "mismatch") return { actor: "shop", text: `Key ${short} reused for a different request: 422, nothing done`, tone: "bad" };
      return { actor: "shop", text: `Key ${short}: the earlier attempt's lock was free or stale, taken over to resume`, tone: "warn" };
    }
    case "recovery_point":
      return event.detail.point === "order_created"
        ? { actor: "shop", text: "Recovery point ORDER_CREATED: the claim and the order committed together", tone: "info" }
        : { actor: "shop", text: `Recovery point FINISHED: answer ${event.detail.status ?? ""} stored for every retry`, tone: "good" };
    case "stripe_call": {
      const { operation, idempotencyKey, replayed, result, error } = event.detail;
      const key = idempotencyKey ? `key ${idempotencyKey}` : "no idempotency key";
      const why = error ? ` (${error})` : "";
      return { actor: "stripe", text: `${operation} with ${key} → ${result}${why}${replayed ? " (Stripe replayed its first answer: no new charge)" : ""}`, tone: result === "unknown" ? "bad" : replayed ? "good" : "info" };
    }
    case "payment_attempt":
      return {
        actor: "shop",
        text: `Attempt ${event.detail.attempt}: ${event.detail.reason === "key_window_passed" ? "Stripe no longer remembers the last key" : "Stripe saved an error under the last key"} and holds no payment for it, so a new key`,
        tone: "warn",
      };
    case "lock_released":
      return { actor: "shop", text: `Lock released: ${event.detail.reason}; a retry resumes at once`, tone: "warn" };
    case "order_status":
      return { actor: event.detail.by === "webhook" ? "webhook" : event.detail.by === "completer" ? "completer" : "shop", text: `Order → ${event.detail.to}`, tone: event.detail.to === "failed" ? "bad" : "good" };
    case "webhook": {
      const { type, eventId, result } = event.detail;
      if (result === "duplicate") return { actor: "webhook", text: `${type} (${eventId}) delivered again: duplicate, ignored`, tone: "good" };
      if (result === "stale_ignored") return { actor: "webhook", text: `${type} (${eventId}) is stale (the PaymentIntent no longer says so): recorded, not applied`, tone: "good" };
      if (result === "deferred") return { actor: "webhook", text: `${type} (${eventId}) cannot apply yet: not recorded, answered 503 so that Stripe delivers it again`, tone: "info" };
      if (result === "no_change") return { actor: "webhook", text: `${type} (${eventId}) recorded: nothing to change`, tone: "info" };
      return { actor: "webhook", text: `${type} (${eventId}) applied`, tone: "info" };
    }
    case "outbox":
      return event.detail.state === "queued"
        ? { actor: "outbox", text: "Confirmation queued in the same transaction as “paid”", tone: "info" }
        : { actor: "outbox", text: event.detail.via === "broker" ? "Confirmation published to RabbitMQ, the broker confirmed: marked sent" : "Confirmation handed to the mailer: marked sent", tone: "info" };
    case "mail":
      return event.detail.result === "delivered"
        ? { actor: "mailer", text: `Confirmation delivered to the mailbox (delivery ${event.detail.delivery}${event.detail.via === "broker" ? ", from RabbitMQ" : ""})`, tone: "good" }
        : { actor: "mailer", text: `Confirmation delivered again (delivery ${event.detail.delivery}): already processed, skipped — no second email`, tone: "good" };
    case "completer":
      return event.detail.action === "took_over_order"
        ? { actor: "completer", text: "Completer took over a stuck order (no checkout left working on it)", tone: "warn" }
        : { actor: "completer", text: "Completer took over a stuck checkout", tone: "warn" };
    case "naive_order":
      return { actor: "shop", text: `Order created without a key: ${event.detail.note}`, tone: "bad" };
  }
}

export function shortKey(key: string): string {
  return key.length > 14 ? `${key.slice(0, 8)}…${key.slice(-4)}` : key;
}
