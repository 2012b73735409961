import type { CheckoutOutcome } from "@/lib/metrics.ts";
import type { MetricsInterval } from "@/lib/metrics-history.ts";

/** One line of a chart: where its value comes from in an interval, and how it is drawn. */
export type Series = { key: string; label: string; color: string; value: (interval: MetricsInterval) => number | null };

/**
 * One chart of the dashboard. `stacked` for series that split one whole (requests by outcome),
 * so equal values don't hide each other; `average` for values that are no rate (latency).
 */
export type ChartDefinition = { id: string; title: string; description: string; unit: string; series: Series[]; kind: "stacked" | "lines" | "average" };

// Tailwind's palette as hex: SVG attributes can't use the theme's CSS variables, which Tailwind
// only emits for the utilities a page uses.
const colors = {
  coffee: "#6f4530",
  crema: "#c8664b",
  emerald: "#059669",
  amber: "#d97706",
  red: "#dc2626",
  sky: "#0284c7",
  stone: "#a8a29e",
  violet: "#7c3aed",
} as const;

const OUTCOMES: { outcome: CheckoutOutcome; label: string; color: string }[] = [
  { outcome: "new", label: "New", color: colors.coffee },
  { outcome: "replayed", label: "Replayed", color: colors.emerald },
  { outcome: "conflict", label: "In flight (409)", color: colors.amber },
  { outcome: "mismatch", label: "Key reused, other payload (422)", color: colors.red },
  { outcome: "rejected", label: "Rejected", color: colors.stone },
  { outcome: "unknown", label: "Payment status unknown", color: colors.sky },
  // No transaction could start in time (every connection busy): nothing written, the same key is safe to retry.
  { outcome: "busy", label: "Busy (503)", color: colors.violet },
];

export const CHARTS: ChartDefinition[] = [
  {
    id: "checkout-requests",
    title: "Checkout requests by outcome",
    description: "What the idempotency layer did with each request: only “New” can charge a card.",
    unit: "/s",
    kind: "stacked",
    series: OUTCOMES.map(({ outcome, label, color }) => ({ key: outcome, label, color, value: (interval) => interval.checkoutsPerSecond[outcome] })),
  },
  {
    id: "checkout-latency",
    title: "Average checkout latency",
    description: "A replay answers from the stored response, without calling Stripe: it should sit far below a new checkout.",
    unit: " ms",
    kind: "average",
    series: [
      { key: "new", label: "New", color: colors.coffee, value: (interval) => interval.averageLatencyMs.new },
      { key: "replayed", label: "Replayed", color: colors.emerald, value: (interval) => interval.averageLatencyMs.replayed },
    ],
  },
  {
    id: "stripe-calls",
    title: "Stripe calls",
    description: "Calls creating a PaymentIntent, and those Stripe answered from its own idempotency store (no new charge).",
    unit: "/s",
    kind: "lines",
    series: [
      { key: "calls", label: "Calls", color: colors.crema, value: (interval) => interval.stripePerSecond.calls },
      { key: "replays", label: "Replayed by Stripe", color: colors.emerald, value: (interval) => interval.stripePerSecond.replays },
    ],
  },
  {
    id: "webhook-deliveries",
    title: "Webhook deliveries",
    description: "Each event is applied once; a redelivery is recognised by its event id and changes nothing.",
    unit: "/s",
    kind: "stacked",
    series: [
      { key: "applied", label: "Applied", color: colors.coffee, value: (interval) => interval.webhooksPerSecond.applied },
      { key: "duplicate", label: "Duplicate", color: colors.emerald, value: (interval) => interval.webhooksPerSecond.duplicate },
      { key: "badSignature", label: "Bad signature", color: colors.red, value: (interval) => interval.webhooksPerSecond.badSignature },
    ],
  },
  {
    id: "maintenance",
    title: "Background work",
    description: "Confirmations the outbox sent, stuck checkouts the completer resumed, expired idempotency records purged.",
    unit: "/s",
    kind: "lines",
    series: [
      { key: "outboxSent", label: "Outbox sent", color: colors.coffee, value: (interval) => interval.maintenancePerSecond.outboxSent },
      { key: "completerResumed", label: "Completer resumed", color: colors.amber, value: (interval) => interval.maintenancePerSecond.completerResumed },
      { key: "purged", label: "Purged", color: colors.stone, value: (interval) => interval.maintenancePerSecond.purged },
    ],
  },
];

export type ChartRow = { at: number } & Record<string, number | null>;

/** The rows recharts plots: one per interval, one column per series. */
export function chartRows(chart: ChartDefinition, intervals: readonly MetricsInterval[]): ChartRow[] {
  return intervals.map((interval) => ({ at: interval.at, ...Object.fromEntries(chart.series.map((series) => [series.key, series.value(interval)])) }));
}
