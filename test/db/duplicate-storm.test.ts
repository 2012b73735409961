import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";
import { statsForOrder } from "../setup/payments.ts";

/**
 * A client as the API asks it to behave: a 503 (busy: no transaction could start in time) is
 * retried with the same key after its Retry-After, a bounded number of times. 409s are answers.
 */
async function clientCall(key: string, apiKey: string) {
  for (let attempt = 1; ; attempt++) {
    const answer = await callCheckoutApi({ key, apiKey });
    if (answer.status !== 503 || attempt === 5) return answer;
    expect(answer.body.error?.code).toBe("checkout_busy");
    await sleep(Number(answer.headers.get("retry-after")) * 1000 * (0.5 + Math.random()));
  }
}

describe("a storm of duplicates", () => {
  it("turns 50 keys × 10 concurrent duplicates into exactly 50 orders and 50 charges", { timeout: 240_000 }, async () => {
    const { apiKey, scope } = await createApiClient();
    const keys = Array.from({ length: 50 }, () => randomUUID());
    const answers = await Promise.all(keys.flatMap((key) => Array.from({ length: 10 }, () => clientCall(key, apiKey))));
    expect(answers.every((answer) => answer.status === 201 || answer.status === 409)).toBe(true);

    const orders = await db.order.findMany({ where: { scope }, select: { id: true, idempotencyKey: true, status: true } });
    expect(orders).toHaveLength(50);
    expect(new Set(orders.map((order) => order.idempotencyKey))).toEqual(new Set(keys));
    const stats = await Promise.all(orders.map((order) => statsForOrder(order.id)));
    expect(stats.reduce((sum, s) => sum + s.charges, 0)).toBe(50);
    expect(stats.every((s) => s.paymentIntents === 1)).toBe(true);
  });
});
