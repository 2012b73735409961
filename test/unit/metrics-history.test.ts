import { afterEach, describe, expect, it, vi } from "vitest";
import { metrics } from "@/lib/metrics.ts";
import { createMetricsHistory, RingBuffer, sampleFrom, summarizeWindow, toIntervals, type MetricsSample, type RegistryJson } from "@/lib/metrics-history.ts";

const outcomes = { new: 0, replayed: 0, conflict: 0, mismatch: 0, rejected: 0, unknown: 0, busy: 0 };
const noLatency = { sum: 0, count: 0 };

/** A sample with everything at zero except what `change` sets. */
function sample(at: number, change: Partial<Omit<MetricsSample, "at">> = {}): MetricsSample {
  return {
    at,
    checkouts: { ...outcomes },
    latency: { new: noLatency, replayed: noLatency, conflict: noLatency, mismatch: noLatency, rejected: noLatency, unknown: noLatency, busy: noLatency },
    stripe: { calls: 0, replays: 0 },
    webhooks: { applied: 0, duplicate: 0, badSignature: 0 },
    outboxSent: 0,
    completerResumed: 0,
    purged: 0,
    ...change,
  };
}

describe("RingBuffer", () => {
  it("keeps the newest `capacity` items, oldest first", () => {
    const buffer = new RingBuffer<number>(3);
    expect(buffer.toArray()).toEqual([]);
    buffer.push(1);
    buffer.push(2);
    expect(buffer.toArray()).toEqual([1, 2]);
    for (const item of [3, 4, 5, 6, 7]) buffer.push(item);
    expect(buffer.toArray()).toEqual([5, 6, 7]);
    expect(buffer.length).toBe(3);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(2.5)).toThrow(RangeError);
  });
});

describe("sampleFrom", () => {
  it("reads the registry's JSON, summing the labels the dashboard doesn't split by", async () => {
    metrics.checkoutRequests.inc({ entry: "api", outcome: "new" }, 2);
    metrics.checkoutRequests.inc({ entry: "action", outcome: "new" });
    metrics.checkoutRequests.inc({ entry: "api", outcome: "replayed" }, 4);
    metrics.checkoutDuration.observe({ outcome: "new" }, 0.3);
    metrics.checkoutDuration.observe({ outcome: "new" }, 0.1);
    metrics.checkoutDuration.observe({ outcome: "replayed" }, 0.002);
    metrics.stripeCalls.inc({ operation: "payment_intents.create", result: "succeeded", replayed: "false" }, 3);
    metrics.stripeCalls.inc({ operation: "payment_intents.create", result: "succeeded", replayed: "true" });
    metrics.webhookDeliveries.inc({ type: "payment_intent.succeeded", result: "applied" }, 2);
    metrics.webhookDeliveries.inc({ type: "payment_intent.succeeded", result: "duplicate" }, 5);
    metrics.webhookDeliveries.inc({ type: "unverified", result: "bad_signature" });
    metrics.outboxSent.inc(2);
    metrics.completerResumed.inc(1);
    metrics.purged.inc(7);

    const taken = sampleFrom(await metrics.registry.getMetricsAsJSON(), 1_000);

    expect(taken).toEqual({
      at: 1_000,
      checkouts: { ...outcomes, new: 3, replayed: 4 },
      latency: expect.objectContaining({ new: { sum: expect.closeTo(0.4, 10), count: 2 }, replayed: { sum: 0.002, count: 1 }, conflict: noLatency }),
      stripe: { calls: 4, replays: 1 },
      webhooks: { applied: 2, duplicate: 5, badSignature: 1 },
      outboxSent: 2,
      completerResumed: 1,
      purged: 7,
    });
  });

  it("reads zeros when a metric is missing", () => {
    expect(sampleFrom([], 5)).toEqual(sample(5));
  });
});

describe("toIntervals", () => {
  it("turns consecutive cumulative samples into per-second rates and average latencies", () => {
    const samples = [
      sample(0),
      sample(2_000, {
        checkouts: { ...outcomes, new: 4, replayed: 2, conflict: 1 },
        latency: { ...sample(0).latency, new: { sum: 0.8, count: 4 }, replayed: { sum: 0.004, count: 2 } },
        stripe: { calls: 4, replays: 1 },
        webhooks: { applied: 4, duplicate: 6, badSignature: 0 },
        outboxSent: 2,
      }),
      sample(6_000, {
        checkouts: { ...outcomes, new: 4, replayed: 10, conflict: 1, mismatch: 2 },
        latency: { ...sample(0).latency, new: { sum: 0.8, count: 4 }, replayed: { sum: 0.028, count: 10 } },
        stripe: { calls: 4, replays: 1 },
        webhooks: { applied: 4, duplicate: 6, badSignature: 2 },
        outboxSent: 4,
        purged: 40,
      }),
    ];

    const [first, second] = toIntervals(samples);

    expect(first).toEqual({
      at: 2_000,
      seconds: 2,
      checkoutsPerSecond: { ...outcomes, new: 2, replayed: 1, conflict: 0.5 },
      averageLatencyMs: { new: 200, replayed: 2 },
      stripePerSecond: { calls: 2, replays: 0.5 },
      webhooksPerSecond: { applied: 2, duplicate: 3, badSignature: 0 },
      maintenancePerSecond: { outboxSent: 1, completerResumed: 0, purged: 0 },
    });
    expect(second).toEqual({
      at: 6_000,
      seconds: 4,
      checkoutsPerSecond: { ...outcomes, replayed: 2, mismatch: 0.5 },
      // No new checkout finished in these 4 s: no average, rather than a misleading 0 ms.
      averageLatencyMs: { new: null, replayed: 3 },
      stripePerSecond: { calls: 0, replays: 0 },
      webhooksPerSecond: { applied: 0, duplicate: 0, badSignature: 0.5 },
      maintenancePerSecond: { outboxSent: 0.5, completerResumed: 0, purged: 10 },
    });
  });

  it("treats a counter that went down as reset to zero, and skips samples without elapsed time", () => {
    const before = sample(0, { checkouts: { ...outcomes, new: 50 }, latency: { ...sample(0).latency, new: { sum: 5, count: 50 } } });
    const sameInstant = sample(0, { checkouts: { ...outcomes, new: 51 } });
    const restarted = sample(1_000, { checkouts: { ...outcomes, new: 3 }, latency: { ...sample(0).latency, new: { sum: 0.3, count: 3 } } });

    const intervals = toIntervals([before, sameInstant, restarted]);

    expect(intervals).toHaveLength(1);
    expect(intervals[0]).toMatchObject({ at: 1_000, checkoutsPerSecond: { new: 3 }, averageLatencyMs: { new: 100 } });
  });

  it("needs two samples for one interval", () => {
    expect(toIntervals([])).toEqual([]);
    expect(toIntervals([sample(0)])).toEqual([]);
  });
});

describe("summarizeWindow", () => {
  it("counts duplicates, key reuse and the duplicate request ratio between the oldest and newest sample", () => {
    const first = sample(0, { checkouts: { ...outcomes, new: 10, replayed: 5 }, webhooks: { applied: 1, duplicate: 1, badSignature: 0 } });
    const last = sample(60_000, { checkouts: { ...outcomes, new: 12, replayed: 10, conflict: 1, mismatch: 2 }, webhooks: { applied: 3, duplicate: 4, badSignature: 0 } });
    expect(summarizeWindow([first, sample(30_000), last])).toEqual({ seconds: 60, requests: 10, duplicatesPrevented: 5 + 1 + 3, keyReuseMismatch: 2, duplicateRequestRatio: 0.6 });
    expect(summarizeWindow([])).toEqual({ seconds: 0, requests: 0, duplicatesPrevented: 0, keyReuseMismatch: 0, duplicateRequestRatio: 0 });
  });
});

describe("createMetricsHistory", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function counting(capacity: number) {
    let clock = 0;
    let served = 0;
    const json = (): RegistryJson => [{ name: "checkout_requests_total", values: [{ labels: { entry: "api", outcome: "new" }, value: ++served }] }];
    const history = createMetricsHistory({ capacity, read: async () => json(), now: () => (clock += 1_000) });
    return history;
  }

  it("keeps at most `capacity` samples, the newest", async () => {
    const history = counting(4);
    for (let i = 0; i < 10; i++) await history.sample();
    const samples = history.samples();
    expect(samples).toHaveLength(4);
    expect(samples.map((taken) => taken.checkouts.new)).toEqual([7, 8, 9, 10]);
    expect(samples.map((taken) => taken.at)).toEqual([7_000, 8_000, 9_000, 10_000]);
  });

  it("samples at once when started, then every interval, until stopped", async () => {
    vi.useFakeTimers();
    const history = counting(100);
    const stop = history.start(2_000);
    expect(history.intervalMs).toBe(2_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(history.samples()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(history.samples()).toHaveLength(4);
    stop();
    expect(history.intervalMs).toBeNull();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(history.samples()).toHaveLength(4);
  });
});
