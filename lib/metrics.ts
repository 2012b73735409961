import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CheckoutResult } from "@/lib/checkout/responses.ts";

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    checkoutRequests: counter("checkout_requests_total", "Checkout requests by entry point and what the idempotency layer did", ["entry", "outcome"] as const),
    checkoutDuration: new Histogram({
      name: "checkout_duration_seconds",
      help: "Checkout latency by outcome (a replay should be far faster than a new checkout)",
      labelNames: ["outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    stripeCalls: counter("stripe_calls_total", "Calls to Stripe by operation, result, and whether Stripe replayed a stored answer", ["operation", "result", "replayed"] as const),
    webhookDeliveries: counter("webhook_deliveries_total", "Webhook deliveries by event type and whether they were duplicates", ["type", "result"] as const),
    outboxSent: counter("outbox_messages_sent_total", "Confirmation messages delivered", [] as const),
    completerResumed: counter("completer_resumed_total", "Stuck checkouts the completer resumed", [] as const),
    purged: counter("idempotency_records_purged_total", "Expired idempotency records deleted", [] as const),
  };
}

const globalForMetrics = globalThis as unknown as { metrics?: ReturnType<typeof createMetrics> };

/** One registry per process (kept on globalThis so dev reloads don't register twice). */
export const metrics = (globalForMetrics.metrics ??= createMetrics());

export type CheckoutOutcome = "new" | "replayed" | "conflict" | "mismatch" | "rejected" | "unknown";

/** What the idempotency layer did with a request, read from its answer. */
export function outcomeOf(result: CheckoutResult): CheckoutOutcome {
  if (result.replayed) return "replayed";
  const code = result.body.error?.code;
  if (code === "idempotency_key_in_use") return "conflict";
  if (code === "idempotency_key_reused") return "mismatch";
  if (code === "payment_status_unknown") return "unknown";
  if (result.status >= 400 && result.status < 500 && result.status !== 402) return "rejected";
  return "new";
}
