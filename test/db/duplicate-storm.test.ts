import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";
import { statsForOrder } from "../setup/payments.ts";

describe("a storm of duplicates", () => {
  it("turns 50 keys × 10 concurrent duplicates into exactly 50 orders and 50 charges", { timeout: 240_000 }, async () => {
    const { apiKey, scope } = await createApiClient();
    const keys = Array.from({ length: 50 }, () => randomUUID());
    const answers = await Promise.all(keys.flatMap((key) => Array.from({ length: 10 }, () => callCheckoutApi({ key, apiKey }))));
    expect(answers.every((answer) => answer.status === 201 || answer.status === 409)).toBe(true);

    const orders = await db.order.findMany({ where: { scope }, select: { id: true, idempotencyKey: true, status: true } });
    expect(orders).toHaveLength(50);
    expect(new Set(orders.map((order) => order.idempotencyKey))).toEqual(new Set(keys));
    const stats = await Promise.all(orders.map((order) => statsForOrder(order.id)));
    expect(stats.reduce((sum, s) => sum + s.charges, 0)).toBe(50);
    expect(stats.every((s) => s.paymentIntents === 1)).toBe(true);
  });
});
