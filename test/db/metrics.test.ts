import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GET as getAdminMetrics } from "@/app/api/admin/metrics/route.ts";
import { GET as getMetrics } from "@/app/api/metrics/route.ts";
import { audit, recordAudit } from "@/lib/audit.ts";
import { db } from "@/lib/db.ts";
import { scopeHash } from "@/lib/log.ts";
import { metricsHistory, type AdminMetricsResponse } from "@/lib/metrics-history.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";
import { deliver, eventsFor } from "../setup/webhooks.ts";

/** Reads one sample of GET /api/metrics (Prometheus text format); `labels` is empty for a metric without labels. */
async function sample(name: string, labels = ""): Promise<number> {
  const text = await (await getMetrics(new Request("http://shop.test/api/metrics"))).text();
  const series = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split("\n").find((row) => row.startsWith(series));
  return line ? Number(line.split(" ").pop()) : 0;
}

const checkouts = (outcome: string) => sample("checkout_requests_total", `entry="api",outcome="${outcome}"`);
const prevented = (source: string) => sample("idempotency_duplicates_prevented_total", `source="${source}"`);

async function health() {
  return {
    replayed: await prevented("checkout_replayed"),
    inFlight: await prevented("checkout_in_flight"),
    webhookDuplicates: await prevented("webhook_duplicate"),
    mismatch: await sample("idempotency_key_reuse_mismatch_total"),
    ratio: await sample("checkout_duplicate_request_ratio"),
    requests: (await Promise.all(["new", "replayed", "conflict", "mismatch", "rejected", "unknown", "busy"].map(checkouts))).reduce((sum, count) => sum + count, 0),
  };
}

const body = { items: [{ slug: "dot-grid-notebook", quantity: 1 }], paymentMethod: "pm_card_visa" };

describe("GET /api/metrics", () => {
  it("counts new checkouts, replays, conflicts and key reuse with another payload, and the idempotency health derived from them", async () => {
    const before = { fresh: await checkouts("new"), replayed: await checkouts("replayed"), conflict: await checkouts("conflict"), mismatch: await checkouts("mismatch") };
    const healthBefore = await health();
    const { apiKey } = await createApiClient();
    const key = randomUUID();

    const storm = await Promise.all(Array.from({ length: 6 }, () => callCheckoutApi({ key, apiKey, body })));
    const conflicts = storm.filter((answer) => answer.status === 409).length;
    await callCheckoutApi({ key, apiKey, body });
    await callCheckoutApi({ key, apiKey, body: { ...body, paymentMethod: "pm_card_chargeDeclined" } });

    const replays = 6 - 1 - conflicts + 1;
    expect(await checkouts("new")).toBe(before.fresh + 1);
    expect(await checkouts("conflict")).toBe(before.conflict + conflicts);
    expect(await checkouts("replayed")).toBe(before.replayed + replays);
    expect(await checkouts("mismatch")).toBe(before.mismatch + 1);
    expect(await sample("stripe_calls_total", 'operation="payment_intents.create",result="succeeded",replayed="false"')).toBeGreaterThanOrEqual(1);

    // 8 requests: 1 new, `conflicts` refused in flight, `replays` replayed, 1 mismatch.
    const after = await health();
    expect(after.replayed).toBe(healthBefore.replayed + replays);
    expect(after.inFlight).toBe(healthBefore.inFlight + conflicts);
    expect(after.webhookDuplicates).toBe(healthBefore.webhookDuplicates);
    expect(after.mismatch).toBe(healthBefore.mismatch + 1);
    expect(after.requests).toBe(healthBefore.requests + 8);
    expect(after.ratio).toBeCloseTo((healthBefore.replayed + healthBefore.inFlight + replays + conflicts) / after.requests, 10);
  });

  it("counts a webhook event delivered twice as one duplicate prevented", async () => {
    const { apiKey } = await createApiClient();
    const placed = await callCheckoutApi({ apiKey, body });
    const order = await db.order.findUniqueOrThrow({ where: { id: placed.body.order!.id } });
    const succeeded = (await eventsFor(order.paymentIntentId!)).find((event) => event.type === "payment_intent.succeeded")!;
    const before = await health();

    expect((await deliver(succeeded)).body.duplicate).toBeUndefined();
    expect((await deliver(succeeded)).body.duplicate).toBe(true);

    const after = await health();
    expect(after.webhookDuplicates).toBe(before.webhookDuplicates + 1);
    expect(after.replayed).toBe(before.replayed);
    expect(after.inFlight).toBe(before.inFlight);
    expect(after.mismatch).toBe(before.mismatch);
  });
});

describe("GET /api/admin/metrics", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const adminMetrics = (query = "") => getAdminMetrics(new Request(`http://shop.test/api/admin/metrics${query}`));

  it("answers the sampled history as rates, the idempotency health, and the recent steps with keys hidden", async () => {
    await metricsHistory.sample();
    const { apiKey, scope } = await createApiClient();
    const key = randomUUID();
    await callCheckoutApi({ key, apiKey, body });
    await callCheckoutApi({ key, apiKey, body });
    // A claim step of this scope, written as checkout() writes its steps: its raw key must not come back.
    await db.$transaction((tx) => recordAudit(tx, [audit("claim", { scope, orderId: null }, { outcome: "replayed", key, status: 201 })]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await metricsHistory.sample();

    const response = await adminMetrics("?events=200");
    expect(response.status).toBe(200);
    const data = (await response.json()) as AdminMetricsResponse;
    expect(data.intervals.length).toBeGreaterThanOrEqual(1);
    const last = data.intervals.at(-1)!;
    expect(last.checkoutsPerSecond.new * last.seconds).toBeCloseTo(1, 2);
    expect(last.checkoutsPerSecond.replayed * last.seconds).toBeCloseTo(1, 2);
    expect(data.health.replayed).toBeGreaterThanOrEqual(1);
    expect(data.timeline.length).toBeLessThanOrEqual(200);
    const mine = data.timeline.filter((event) => event.scopeHash === scopeHash(scope));
    expect(mine).toContainEqual(expect.objectContaining({ kind: "claim", detail: { outcome: "replayed", key: "(hidden)", status: 201 } }));
    expect(JSON.stringify(data)).not.toContain(key);
    expect(JSON.stringify(data)).not.toContain(scope);
  });

  it("refuses a bad query, and is absent when the dev tools are off", async () => {
    expect((await adminMetrics("?events=0")).status).toBe(400);
    vi.stubEnv("NODE_ENV", "production");
    const response = await adminMetrics();
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: "Not found" } });
  });
});
