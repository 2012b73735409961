import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CheckoutResult } from "@/lib/checkout/responses.ts";

export type CheckoutOutcome = "new" | "replayed" | "conflict" | "mismatch" | "rejected" | "unknown" | "busy";
export const CHECKOUT_OUTCOMES: readonly CheckoutOutcome[] = ["new", "replayed", "conflict", "mismatch", "rejected", "unknown", "busy"];

type LabelFilter = Record<string, string>;

/** The sum of a counter's series whose labels match `where` (all of them when it is empty). */
async function total(counter: Counter, where: LabelFilter = {}): Promise<number> {
  const { values } = await counter.get();
  return values.filter((series) => Object.entries(where).every(([label, wanted]) => series.labels[label] === wanted)).reduce((sum, series) => sum + series.value, 0);
}

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const checkoutRequests = counter("checkout_requests_total", "Checkout requests by entry point and what the idempotency layer did", ["entry", "outcome"] as const);
  const webhookDeliveries = counter("webhook_deliveries_total", "Webhook deliveries by event type and whether they were duplicates", ["type", "result"] as const);

  // The idempotency-health measures are read from the counters above at scrape time, so the code
  // that counts requests and deliveries knows nothing about them. The two cumulative ones are
  // counters (they only go up, and rate() expects a counter); each scrape recomputes them whole.
  const health = () => idempotencyHealth(checkoutRequests, webhookDeliveries);
  return {
    registry,
    checkoutRequests,
    checkoutDuration: new Histogram({
      name: "checkout_duration_seconds",
      help: "Checkout latency by outcome (a replay should be far faster than a new checkout)",
      labelNames: ["outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    stripeCalls: counter("stripe_calls_total", "Calls to Stripe by operation, result, and whether Stripe replayed a stored answer", ["operation", "result", "replayed"] as const),
    webhookDeliveries,
    webhookEventsDeferred: counter(
      "webhook_events_deferred_total",
      "Webhook events that could not apply yet (a refund before the payment it undoes, unconfirmed by Stripe): not recorded, answered 503 for Stripe to deliver again",
      ["type"] as const,
    ),
    outboxSent: counter("outbox_messages_sent_total", "Outbox messages the relay handed over (consumer committed, or broker confirmed) and marked sent", [] as const),
    mailConsumed: counter("mail_consumed_total", "Messages that reached the idempotent consumer in this process: delivered (a mailbox entry written) or duplicate (recognised and skipped), by path", ["result", "via"] as const),
    transactionRetries: counter("transaction_retries_total", "Transactions run again after PostgreSQL aborted them for a deadlock or a serialization failure, by transaction and reason", ["transaction", "reason"] as const),
    completerResumed: counter("completer_resumed_total", "Stuck checkouts the completer resumed", [] as const),
    reconciliations: counter(
      "payment_reconciliations_total",
      "Checkouts whose Stripe key could no longer pay (a saved server error, or past Stripe's key window) looked up at Stripe, by reason and outcome: found (settled from that PaymentIntent), next_attempt (none: a new attempt made), lost_race (another process made it), error",
      ["reason", "outcome"] as const,
    ),
    paymentAttemptsBeyondFirst: counter("payment_attempts_beyond_first_total", "Payment attempts made after an order's first (each under its own Stripe key)", [] as const),
    oldestUnfinishedCheckout: new Gauge({
      name: "checkout_oldest_unfinished_seconds",
      help: "Age of the oldest unfinished checkout (an order pending or processing), since its payment attempt started, by the database's clock; set by each maintenance run, 0 when there is none",
      registers: [registry],
    }),
    purged: counter("idempotency_records_purged_total", "Expired idempotency records deleted", [] as const),
    bodyTooLarge: counter(
      "http_body_too_large_total",
      "Request bodies refused at the size cap without reading the rest, by route: api and action (REQUEST_BODY_LIMIT_BYTES), webhook (WEBHOOK_BODY_LIMIT_BYTES)",
      ["route"] as const,
    ),
    duplicatesPrevented: new Counter({
      name: "idempotency_duplicates_prevented_total",
      help: "Duplicates that changed nothing, by source: a finished checkout's answer replayed, a concurrent copy refused while in flight (409), a webhook event delivered again",
      labelNames: ["source"] as const,
      registers: [registry],
      async collect() {
        const { replayed, inFlightConflicts, webhookDuplicates } = await health();
        this.reset();
        this.inc({ source: "checkout_replayed" }, replayed);
        this.inc({ source: "checkout_in_flight" }, inFlightConflicts);
        this.inc({ source: "webhook_duplicate" }, webhookDuplicates);
      },
    }),
    keyReuseMismatch: new Counter({
      name: "idempotency_key_reuse_mismatch_total",
      help: "Checkout requests that reused an idempotency key with another payload (refused with 422, nothing done)",
      registers: [registry],
      async collect() {
        const { keyReuseMismatch } = await health();
        this.reset();
        this.inc(keyReuseMismatch);
      },
    }),
    duplicateRequestRatio: new Gauge({
      name: "checkout_duplicate_request_ratio",
      help: "Share of checkout requests since start that repeated a key already claimed for the same payload (replayed or in flight); for a recent rate, divide rate()s of checkout_requests_total",
      registers: [registry],
      async collect() {
        this.set((await health()).duplicateRequestRatio);
      },
    }),
  };
}

export type IdempotencyHealth = {
  checkoutRequests: number;
  replayed: number;
  inFlightConflicts: number;
  webhookDuplicates: number;
  /** Replays + in-flight conflicts + duplicate webhook deliveries. */
  duplicatesPrevented: number;
  keyReuseMismatch: number;
  /** (replayed + in flight) / every checkout request; 0 before the first. A key reused for another payload is not a duplicate: it is refused. */
  duplicateRequestRatio: number;
};

/**
 * The health measures from checkout counts by outcome and duplicate webhook deliveries: one
 * formula for /api/metrics (counts since start) and the dashboard's window (counts in it).
 */
export function healthOf(checkouts: Record<CheckoutOutcome, number>, webhookDuplicates: number): IdempotencyHealth {
  const all = CHECKOUT_OUTCOMES.reduce((sum, outcome) => sum + checkouts[outcome], 0);
  const { replayed, conflict: inFlightConflicts, mismatch: keyReuseMismatch } = checkouts;
  return {
    checkoutRequests: all,
    replayed,
    inFlightConflicts,
    webhookDuplicates,
    duplicatesPrevented: replayed + inFlightConflicts + webhookDuplicates,
    keyReuseMismatch,
    duplicateRequestRatio: all === 0 ? 0 : (replayed + inFlightConflicts) / all,
  };
}

async function idempotencyHealth(checkoutRequests: Counter, webhookDeliveries: Counter): Promise<IdempotencyHealth> {
  const [counts, webhookDuplicates] = await Promise.all([
    Promise.all(CHECKOUT_OUTCOMES.map((outcome) => total(checkoutRequests, { outcome }))),
    total(webhookDeliveries, { result: "duplicate" }),
  ]);
  return healthOf(Object.fromEntries(CHECKOUT_OUTCOMES.map((outcome, index) => [outcome, counts[index]!])) as Record<CheckoutOutcome, number>, webhookDuplicates);
}

const globalForMetrics = globalThis as unknown as { metrics?: ReturnType<typeof createMetrics> };

/** One registry per process (kept on globalThis so dev reloads don't register twice). */
export const metrics = (globalForMetrics.metrics ??= createMetrics());

/** The headline numbers of the operator dashboard, from the same counters /api/metrics shows. */
export function currentIdempotencyHealth(): Promise<IdempotencyHealth> {
  return idempotencyHealth(metrics.checkoutRequests, metrics.webhookDeliveries);
}


/** What the idempotency layer did with a request, read from its answer. */
export function outcomeOf(result: CheckoutResult): CheckoutOutcome {
  if (result.replayed) return "replayed";
  const code = result.body.error?.code;
  if (code === "idempotency_key_in_use") return "conflict";
  if (code === "idempotency_key_reused") return "mismatch";
  if (code === "payment_status_unknown") return "unknown";
  if (code === "checkout_busy") return "busy";
  if (result.status >= 400 && result.status < 500 && result.status !== 402) return "rejected";
  return "new";
}
