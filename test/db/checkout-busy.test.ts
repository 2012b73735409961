import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GET as getMetrics } from "@/app/api/metrics/route.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { databaseBusy, db, POOL_TIMEOUT } from "@/lib/db.ts";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { sql } from "@/lib/sql.ts";
import { callCheckoutApi, createApiClient, createCart, fromCart, scopeCounts } from "../setup/fixtures.ts";

/**
 * What the checkout's first statement meets when no connection came free in time: the pool's
 * timeout (a transaction's equivalent, Prisma's P2028, is covered by lib/db.ts databaseBusy too).
 * The hot path's first database call is a single statement (the look), so the fault goes in front of
 * the statements' executor (lib/sql.ts), whichever way it reaches the database.
 */
const notStarted = () => new Error(POOL_TIMEOUT);

async function busyCount(entry: "api" | "action"): Promise<number> {
  const text = await (await getMetrics(new Request("http://shop.test/api/metrics"))).text();
  const line = text.split("\n").find((row) => row.startsWith(`checkout_requests_total{entry="${entry}",outcome="busy"} `));
  return line ? Number(line.split(" ").pop()) : 0;
}

afterEach(() => vi.restoreAllMocks());

describe("a checkout whose transaction cannot start in time", () => {
  it("answers 503 checkout_busy with Retry-After, writes nothing, counts it, and the same key then succeeds once", async () => {
    const { apiKey, scope } = await createApiClient();
    const key = randomUUID();
    const before = await busyCount("api");
    vi.spyOn(sql, "query").mockRejectedValueOnce(notStarted());

    const refused = await callCheckoutApi({ key, apiKey });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.body.error?.code).toBe("checkout_busy");
    expect(await scopeCounts(scope)).toEqual({ orders: 0, records: 0, payments: 0 });
    expect(await busyCount("api")).toBe(before + 1);

    const retried = await callCheckoutApi({ key, apiKey });
    expect(retried.status).toBe(201);
    expect(await scopeCounts(scope)).toMatchObject({ orders: 1, records: 1 });
  });

  it("lets the server action wait through a busy moment like an in-flight duplicate, then finish", async () => {
    const cart = await createCart();
    vi.spyOn(sql, "query").mockRejectedValueOnce(notStarted());
    const result = await checkout(fromCart(cart, randomUUID()), { waitForInFlight: true });
    expect(result.status).toBe(201);
    expect(await db.order.count({ where: { cartId: cart.id } })).toBe(1);
  });

  it("still fails loudly on any other database error", async () => {
    const { apiKey } = await createApiClient();
    vi.spyOn(sql, "query").mockRejectedValueOnce(new Prisma.PrismaClientKnownRequestError("Transaction API error: Transaction already closed", { code: "P2028", clientVersion: Prisma.prismaVersion.client }));
    await expect(callCheckoutApi({ key: randomUUID(), apiKey })).rejects.toThrow("Transaction already closed");
  });

  it("tells a database too busy to start the work (a transaction's P2028, the pool's timeout) from any other error", () => {
    expect(databaseBusy(new Prisma.PrismaClientKnownRequestError("Transaction API error: Unable to start a transaction in the given time.", { code: "P2028", clientVersion: Prisma.prismaVersion.client }))).toBe(true);
    expect(databaseBusy(new Error(POOL_TIMEOUT))).toBe(true);
    expect(databaseBusy(new Prisma.PrismaClientKnownRequestError("Transaction API error: Transaction already closed", { code: "P2028", clientVersion: Prisma.prismaVersion.client }))).toBe(false);
    expect(databaseBusy(new Error("connection terminated"))).toBe(false);
  });
});
