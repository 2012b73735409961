import { describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { refundOrder } from "@/lib/refunds.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";
import { statsForOrder } from "../setup/payments.ts";
import { deliver, eventsFor } from "../setup/webhooks.ts";

describe("refunds", () => {
  it("refunds a double-clicked refund once, and the later charge.refunded webhook changes nothing", async () => {
    const { apiKey, scope } = await createApiClient();
    const { body } = await callCheckoutApi({ apiKey });
    const orderId = body.order!.id;

    const answers = await Promise.all(Array.from({ length: 5 }, () => refundOrder(orderId, [scope])));
    expect(answers.every((answer) => answer.status === 200 && answer.body.order?.status === "refunded")).toBe(true);
    expect(await statsForOrder(orderId)).toMatchObject({ refunds: 1, charges: 1 });

    const order = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    const refunded = (await eventsFor(order.paymentIntentId!)).find((event) => event.type === "charge.refunded");
    if (refunded) expect((await deliver(refunded)).status).toBe(200);
    expect(await db.order.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: "refunded" });
  });

  it("refuses to refund an order that is not paid, or another scope's order", async () => {
    const { apiKey, scope } = await createApiClient();
    const failed = await callCheckoutApi({ apiKey, body: { items: [{ slug: "brass-scoop", quantity: 1 }], paymentMethod: "pm_card_chargeDeclined" } });
    expect((await refundOrder(failed.body.order!.id, [scope])).status).toBe(409);

    const paid = await callCheckoutApi({ apiKey });
    const stranger = await createApiClient("Stranger");
    expect((await refundOrder(paid.body.order!.id, [stranger.scope])).status).toBe(404);
    expect(await statsForOrder(paid.body.order!.id)).toMatchObject({ refunds: 0 });
  });
});
