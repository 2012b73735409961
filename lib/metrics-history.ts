import type { MailStatus } from "@/lib/mail/status.ts";
import type { TimelineEvent } from "@/lib/audit-events.ts";
import { logger } from "@/lib/log.ts";
import { CHECKOUT_OUTCOMES, healthOf, metrics, type CheckoutOutcome, type IdempotencyHealth } from "@/lib/metrics.ts";

/**
 * The operator dashboard's memory: Prometheus keeps history for a real deployment, but the demo
 * has no Prometheus, so each app instance samples its own registry every few seconds into a
 * bounded ring buffer and the dashboard charts the differences between samples.
 */

/** The part of `registry.getMetricsAsJSON()` a sample is read from (histograms name each series in metricName). */
export type RegistryJson = readonly { name: string; values: readonly { value: number; labels: Partial<Record<string, string | number>>; metricName?: string }[] }[];

type LatencyTotals = { sum: number; count: number };

/** Cumulative counter values at one moment (since the process started). */
export type MetricsSample = {
  /** Epoch milliseconds. */
  at: number;
  checkouts: Record<CheckoutOutcome, number>;
  /** checkout_duration_seconds' sum and count by outcome. */
  latency: Record<CheckoutOutcome, LatencyTotals>;
  stripe: { calls: number; replays: number };
  webhooks: { applied: number; duplicate: number; badSignature: number };
  outboxSent: number;
  completerResumed: number;
  purged: number;
};

/** What happened between two samples, as rates per second (latency as an average). */
export type MetricsInterval = {
  /** The end of the interval, epoch milliseconds. */
  at: number;
  seconds: number;
  checkoutsPerSecond: Record<CheckoutOutcome, number>;
  /** null when no request of that outcome finished in the interval. */
  averageLatencyMs: { new: number | null; replayed: number | null };
  stripePerSecond: { calls: number; replays: number };
  webhooksPerSecond: { applied: number; duplicate: number; badSignature: number };
  maintenancePerSecond: { outboxSent: number; completerResumed: number; purged: number };
};

/** Idempotency health over the buffered window only (the headline numbers are since start). */
export type WindowSummary = { seconds: number; requests: number; duplicatesPrevented: number; keyReuseMismatch: number; duplicateRequestRatio: number };

function sumOf(json: RegistryJson, name: string, where: Record<string, string> = {}, series = name): number {
  const metric = json.find((candidate) => candidate.name === name);
  if (!metric) return 0;
  return metric.values
    .filter((value) => (value.metricName ?? name) === series)
    .filter((value) => Object.entries(where).every(([label, wanted]) => String(value.labels[label]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

const byOutcome = <T>(read: (outcome: CheckoutOutcome) => T) => Object.fromEntries(CHECKOUT_OUTCOMES.map((outcome) => [outcome, read(outcome)])) as Record<CheckoutOutcome, T>;

/** Reads one sample out of `registry.getMetricsAsJSON()`, summing over labels the dashboard doesn't split by. */
export function sampleFrom(json: RegistryJson, at: number): MetricsSample {
  return {
    at,
    checkouts: byOutcome((outcome) => sumOf(json, "checkout_requests_total", { outcome })),
    latency: byOutcome((outcome) => ({
      sum: sumOf(json, "checkout_duration_seconds", { outcome }, "checkout_duration_seconds_sum"),
      count: sumOf(json, "checkout_duration_seconds", { outcome }, "checkout_duration_seconds_count"),
    })),
    stripe: { calls: sumOf(json, "stripe_calls_total"), replays: sumOf(json, "stripe_calls_total", { replayed: "true" }) },
    webhooks: {
      applied: sumOf(json, "webhook_deliveries_total", { result: "applied" }),
      duplicate: sumOf(json, "webhook_deliveries_total", { result: "duplicate" }),
      badSignature: sumOf(json, "webhook_deliveries_total", { result: "bad_signature" }),
    },
    outboxSent: sumOf(json, "outbox_messages_sent_total"),
    completerResumed: sumOf(json, "completer_resumed_total"),
    purged: sumOf(json, "idempotency_records_purged_total"),
  };
}

/** A counter's increase; a counter that went down was reset (a restart), so it grew from 0, as Prometheus assumes. */
const increase = (before: number, after: number) => (after >= before ? after - before : after);
const round = (value: number) => Math.round(value * 1000) / 1000;

function averageMs(before: LatencyTotals, after: LatencyTotals): number | null {
  const reset = after.count < before.count;
  const count = reset ? after.count : after.count - before.count;
  const sum = reset ? after.sum : after.sum - before.sum;
  return count > 0 ? round((sum / count) * 1000) : null;
}

/** Rates between consecutive samples (oldest first); pairs without elapsed time are skipped. */
export function toIntervals(samples: readonly MetricsSample[]): MetricsInterval[] {
  const intervals: MetricsInterval[] = [];
  for (let index = 1; index < samples.length; index++) {
    const before = samples[index - 1]!;
    const after = samples[index]!;
    const seconds = (after.at - before.at) / 1000;
    if (seconds <= 0) continue;
    const perSecond = (read: (sample: MetricsSample) => number) => round(increase(read(before), read(after)) / seconds);
    intervals.push({
      at: after.at,
      seconds,
      checkoutsPerSecond: byOutcome((outcome) => perSecond((sample) => sample.checkouts[outcome])),
      averageLatencyMs: { new: averageMs(before.latency.new, after.latency.new), replayed: averageMs(before.latency.replayed, after.latency.replayed) },
      stripePerSecond: { calls: perSecond((sample) => sample.stripe.calls), replays: perSecond((sample) => sample.stripe.replays) },
      webhooksPerSecond: {
        applied: perSecond((sample) => sample.webhooks.applied),
        duplicate: perSecond((sample) => sample.webhooks.duplicate),
        badSignature: perSecond((sample) => sample.webhooks.badSignature),
      },
      maintenancePerSecond: {
        outboxSent: perSecond((sample) => sample.outboxSent),
        completerResumed: perSecond((sample) => sample.completerResumed),
        purged: perSecond((sample) => sample.purged),
      },
    });
  }
  return intervals;
}

/** Duplicates and key reuse between the oldest and the newest sample. */
export function summarizeWindow(samples: readonly MetricsSample[]): WindowSummary {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last) return { seconds: 0, requests: 0, duplicatesPrevented: 0, keyReuseMismatch: 0, duplicateRequestRatio: 0 };
  const grew = (read: (sample: MetricsSample) => number) => increase(read(first), read(last));
  const health = healthOf(
    byOutcome((outcome) => grew((sample) => sample.checkouts[outcome])),
    grew((sample) => sample.webhooks.duplicate),
  );
  return {
    seconds: (last.at - first.at) / 1000,
    requests: health.checkoutRequests,
    duplicatesPrevented: health.duplicatesPrevented,
    keyReuseMismatch: health.keyReuseMismatch,
    duplicateRequestRatio: health.duplicateRequestRatio,
  };
}

/** A fixed-size buffer that overwrites its oldest item: memory stays flat however long the server runs. */
export class RingBuffer<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  get length(): number {
    return this.items.length;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.capacity ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

export type MetricsHistory = {
  readonly capacity: number;
  intervalMs: number | null;
  samples(): MetricsSample[];
  /** Takes one sample now. */
  sample(): Promise<void>;
  /** Samples at once and then every `intervalMs`; returns the stop function. Starting again replaces the running timer. */
  start(intervalMs: number): () => void;
};

export function createMetricsHistory(options: { capacity: number; read: () => Promise<RegistryJson>; now?: () => number }): MetricsHistory {
  const buffer = new RingBuffer<MetricsSample>(options.capacity);
  const now = options.now ?? Date.now;
  let timer: ReturnType<typeof setInterval> | undefined;
  let sampling = false;

  const history: MetricsHistory = {
    capacity: options.capacity,
    intervalMs: null,
    samples: () => buffer.toArray(),
    async sample() {
      // Stamped before reading: the registry's collect() functions are async and may take a while.
      const at = now();
      buffer.push(sampleFrom(await options.read(), at));
    },
    start(intervalMs) {
      if (timer) clearInterval(timer);
      history.intervalMs = intervalMs;
      const tick = () => {
        if (sampling) return;
        sampling = true;
        history
          .sample()
          .catch((error: unknown) => logger.error({ err: error }, "metrics sample failed"))
          .finally(() => {
            sampling = false;
          });
      };
      tick();
      const current = setInterval(tick, intervalMs);
      current.unref();
      timer = current;
      return () => {
        clearInterval(current);
        if (timer === current) {
          timer = undefined;
          history.intervalMs = null;
        }
      };
    },
  };
  return history;
}

/** 2 s samples × 180 = the last 6 minutes, about what an operator watches while a demo runs. */
export const SAMPLE_INTERVAL_MS = 2_000;
const CAPACITY = 180;

// On globalThis because Next bundles instrumentation and each route separately: the sampler the
// maintenance loop starts and the buffer GET /api/admin/metrics reads must be one object.
const globalForHistory = globalThis as unknown as { metricsHistory?: MetricsHistory };

export const metricsHistory = (globalForHistory.metricsHistory ??= createMetricsHistory({ capacity: CAPACITY, read: () => metrics.registry.getMetricsAsJSON() }));

/** GET /api/admin/metrics: what the dashboard polls. */
export type AdminMetricsResponse = {
  sampleIntervalMs: number | null;
  capacity: number;
  /** Since this app instance started (the same counters as /api/metrics). */
  health: IdempotencyHealth;
  /** Over the buffered samples only. */
  window: WindowSummary;
  intervals: MetricsInterval[];
  /** Newest first; scopes as hashes, shoppers' raw keys hidden. */
  timeline: (TimelineEvent & { scopeHash: string })[];
  /** The confirmation path (database counts; RabbitMQ's queue depths when AMQP_URL is set). */
  mail: MailStatus;
};
