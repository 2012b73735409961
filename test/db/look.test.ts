import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkout } from "@/lib/checkout/checkout.ts";
import { apiScope, requestMeaning, type CheckoutRequest } from "@/lib/checkout/request.ts";
import { claimOrder } from "@/lib/checkout/statements/claim-order.ts";
import { db } from "@/lib/db.ts";
import { fingerprint } from "@/lib/idempotency.ts";
import { createApiClient } from "../setup/fixtures.ts";

/*
 * The look (lib/checkout/statements/look-up.ts) answers a duplicate whose record decides alone —
 * finished, another request, or in flight under a live lock — in its one statement, with no
 * transaction: a double-click's copies and a waiting server action's repeated looks cost one
 * round trip each. Only an unlocked or stale record goes to the transactional claim.
 */

afterEach(() => vi.restoreAllMocks());

async function inFlightRequest(): Promise<CheckoutRequest> {
  const { scope } = await createApiClient();
  const request: CheckoutRequest = { scope, key: randomUUID(), paymentMethod: "pm_card_visa", source: { kind: "items", apiClientId: scope.slice("api:".length), items: [{ slug: "stoneware-mug", quantity: 1 }] } };
  const product = await db.product.findUniqueOrThrow({ where: { slug: "stoneware-mug" } });
  const line = { productId: product.id, slug: product.slug, name: product.name, unitPriceCents: product.priceCents, currency: product.currency, quantity: 1 };
  // The first request's claim committed; its Stripe call is still under way (the record is locked now).
  const claimed = await claimOrder(db, { scope: request.scope, key: request.key, fingerprint: fingerprint(requestMeaning(request)) }, {
    scope: request.scope, key: request.key, paymentMethod: "pm_card_visa", cartId: null, cartVersion: null, apiClientId: scope.slice("api:".length), totalCents: line.unitPriceCents, currency: line.currency, lines: [line],
  }, 3_600_000, () => []);
  expect(claimed).not.toBeNull();
  expect(apiScope(scope.slice("api:".length))).toBe(scope);
  return request;
}

describe("the look answers what the record decides alone", () => {
  it("a duplicate of a request in flight gets 409 with Retry-After from one statement, no transaction, and its step on the timeline", async () => {
    const request = await inFlightRequest();
    const transactions = vi.spyOn(db, "$transaction");
    const duplicate = await checkout(request);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error?.code).toBe("idempotency_key_in_use");
    expect(duplicate.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(transactions).not.toHaveBeenCalled();
    const steps = await db.auditEvent.findMany({ where: { scope: request.scope, kind: "claim" }, orderBy: { id: "asc" } });
    expect(steps.map((step) => (step.detail as { outcome: string }).outcome)).toEqual(["in_flight"]);
  });

  it("the same key for another request while in flight is 422 from the same statement", async () => {
    const request = await inFlightRequest();
    const transactions = vi.spyOn(db, "$transaction");
    const other = await checkout({ ...request, paymentMethod: "pm_test_delayed_success" });
    expect(other.status).toBe(422);
    expect(transactions).not.toHaveBeenCalled();
  });

  it("a stale lock (a crashed holder) is not answered by the look: the transactional claim takes it over and the checkout finishes", async () => {
    const request = await inFlightRequest();
    await db.idempotencyRecord.updateMany({ where: { scope: request.scope }, data: { lockedAt: new Date(Date.now() - 24 * 3_600_000) } });
    const transactions = vi.spyOn(db, "$transaction");
    const resumed = await checkout(request);
    expect(resumed.status).toBe(201);
    expect(transactions).toHaveBeenCalled();
  });
});
