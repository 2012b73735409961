import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GET as getTimeline } from "@/app/api/orders/[id]/timeline/route.ts";
import { audit, purgeOldAuditEvents, recordAudit } from "@/lib/audit.ts";
import type { TimelineEvent } from "@/lib/audit-events.ts";
import { db } from "@/lib/db.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";
import { deliver, eventsFor, waitForPaymentIntent } from "../setup/webhooks.ts";

async function timelineAs(apiKey: string, orderId: string) {
  const request = new Request(`http://shop.test/api/orders/${orderId}/timeline`, { headers: { authorization: `Bearer ${apiKey}` } });
  const response = await getTimeline(request, { params: Promise.resolve({ id: orderId }) });
  return { status: response.status, body: (await response.json()) as { timeline: TimelineEvent[] } };
}

const step = (event: TimelineEvent) => `${event.kind}:${"outcome" in event.detail ? event.detail.outcome : "point" in event.detail ? event.detail.point : "to" in event.detail ? event.detail.to : "state" in event.detail ? event.detail.state : "result" in event.detail ? event.detail.result : ""}`;

describe("the audit timeline", () => {
  it("lists every committed step of a checkout in order, and a replay as one more step", async () => {
    const { apiKey } = await createApiClient();
    const key = randomUUID();
    const first = await callCheckoutApi({ key, apiKey });
    await callCheckoutApi({ key, apiKey });
    const orderId = first.body.order!.id;

    const { status, body } = await timelineAs(apiKey, orderId);
    expect(status).toBe(200);
    expect(body.timeline.map(step)).toEqual([
      "claim:new",
      "recovery_point:order_created",
      "stripe_call:succeeded",
      "order_status:paid",
      "outbox:queued",
      "recovery_point:finished",
      "claim:replayed",
    ]);
    expect(body.timeline[2]).toMatchObject({ detail: { idempotencyKey: `order_${orderId}_payment_intent`, replayed: false } });
    expect(body.timeline[0]).toMatchObject({ detail: { key } });
  });

  it("is shown only to the scope that placed the order", async () => {
    const owner = await createApiClient();
    const stranger = await createApiClient();
    const orderId = (await callCheckoutApi({ apiKey: owner.apiKey })).body.order!.id;
    expect((await timelineAs(stranger.apiKey, orderId)).status).toBe(404);
    expect((await timelineAs(owner.apiKey, orderId)).status).toBe(200);
  });

  it("records 10 concurrent deliveries of one event as 1 applied and 9 duplicates, with one transition", async () => {
    const { apiKey } = await createApiClient();
    const placed = await callCheckoutApi({ apiKey, body: { items: [{ slug: "gooseneck-kettle", quantity: 1 }], paymentMethod: "pm_test_delayed_success" } });
    const order = await db.order.findUniqueOrThrow({ where: { id: placed.body.order!.id } });
    await waitForPaymentIntent(order.paymentIntentId!, "succeeded");
    const succeeded = (await eventsFor(order.paymentIntentId!)).find((event) => event.type === "payment_intent.succeeded")!;

    await Promise.all(Array.from({ length: 10 }, () => deliver(succeeded)));

    const steps = (await timelineAs(apiKey, order.id)).body.timeline.map(step);
    expect(steps.filter((s) => s === "webhook:applied")).toHaveLength(1);
    expect(steps.filter((s) => s === "webhook:duplicate")).toHaveLength(9);
    expect(steps.filter((s) => s === "order_status:paid")).toHaveLength(1);
    expect(steps.filter((s) => s === "outbox:queued")).toHaveLength(1);
  });

  it("keeps no step of a transaction that rolled back", async () => {
    const scope = `test:${randomUUID()}`;
    await expect(
      db.$transaction(async (tx) => {
        await recordAudit(tx, [audit("lock_released", { scope, orderId: null }, { reason: "about to fail" })]);
        throw new Error("the change failed after its step was written");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.auditEvent.count({ where: { scope } })).toBe(0);
  });

  it("forgets steps older than the retention, in bounded batches, and keeps the rest", async () => {
    const scope = `test:${randomUUID()}`;
    const day = 24 * 60 * 60 * 1000;
    const now = new Date();
    const row = (ageDays: number) => ({ scope, orderId: null, kind: "lock_released", detail: { reason: `${ageDays} days old` }, at: new Date(now.getTime() - ageDays * day) });
    await db.auditEvent.createMany({ data: [row(45), row(40), row(31), row(29), row(1)] });

    expect(await purgeOldAuditEvents(db, now, 30 * day, 2)).toBe(2);
    expect(await purgeOldAuditEvents(db, now, 30 * day, 2)).toBe(1);
    expect(await purgeOldAuditEvents(db, now, 30 * day, 2)).toBe(0);
    const left = await db.auditEvent.findMany({ where: { scope }, select: { detail: true } });
    expect(left.map((event) => (event.detail as { reason: string }).reason).sort()).toEqual(["1 days old", "29 days old"]);
  });
});

