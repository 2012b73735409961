import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { purgeExpired } from "@/lib/idempotency.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";
import { statsForOrder } from "../setup/payments.ts";

describe("retention of idempotency records", () => {
  it("purges expired records in bounded batches and keeps the others", async () => {
    const { apiKey, scope } = await createApiClient();
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    for (const key of keys) await callCheckoutApi({ key, apiKey });
    await db.idempotencyRecord.updateMany({ where: { scope, key: { in: keys.slice(0, 2) } }, data: { expiresAt: new Date(Date.now() - 1000) } });

    let purged = 0;
    for (let batch = await purgeExpired(db, new Date(), 1); batch > 0; batch = await purgeExpired(db, new Date(), 1)) purged += batch;
    expect(purged).toBeGreaterThanOrEqual(2);
    expect(await db.idempotencyRecord.findMany({ where: { scope }, select: { key: true } })).toEqual([{ key: keys[2] }]);
  });

  it("still never makes a second order for a late retry after its record was purged", async () => {
    const { apiKey, scope } = await createApiClient();
    const key = randomUUID();
    const first = await callCheckoutApi({ key, apiKey });
    await db.idempotencyRecord.updateMany({ where: { scope, key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    while ((await purgeExpired(db, new Date())) > 0);
    expect(await db.idempotencyRecord.count({ where: { scope, key } })).toBe(0);

    const late = await callCheckoutApi({ key, apiKey });
    expect(late.status).toBe(201);
    expect(late.body.order).toMatchObject({ id: first.body.order!.id, status: "paid" });
    expect(await db.order.count({ where: { scope, idempotencyKey: key } })).toBe(1);
    expect(await statsForOrder(first.body.order!.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });
});
