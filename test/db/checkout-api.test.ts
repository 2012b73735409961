import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db.ts";
import { findOrderForScope } from "@/lib/orders.ts";
import { callCheckoutApi, createApiClient, scopeCounts } from "../setup/fixtures.ts";
import { statsForOrder } from "../setup/payments.ts";

const mugs = (quantity = 1, paymentMethod = "pm_card_visa") => ({ items: [{ slug: "stoneware-mug", quantity }], paymentMethod });

describe("POST /api/checkout", () => {
  it("creates one paid order with prices from the database, and replays it for a retry", async () => {
    const key = randomUUID();
    const first = await callCheckoutApi({ key, body: { items: [{ slug: "stoneware-mug", quantity: 2 }, { slug: "brass-scoop", quantity: 1 }], paymentMethod: "pm_card_visa" } });
    expect(first.status).toBe(201);
    expect(first.body.order).toMatchObject({ status: "paid", totalCents: 2 * 1800 + 1200 });
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const retry = await callCheckoutApi({ key, body: { paymentMethod: "pm_card_visa", items: [{ slug: "brass-scoop", quantity: 1 }, { slug: "stoneware-mug", quantity: 2 }] } });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);

    const orderId = first.body.order!.id;
    expect(await db.order.count({ where: { idempotencyKey: key } })).toBe(1);
    expect(await statsForOrder(orderId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 4800 });
  });

  it("turns 20 concurrent requests with one key into one order and one PaymentIntent", async () => {
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => callCheckoutApi({ key, body: mugs(3) })));
    const orders = await db.order.findMany({ where: { idempotencyKey: key } });
    expect(orders).toHaveLength(1);
    for (const answer of answers) {
      if (answer.status === 409) expect(answer.body.error?.code).toBe("idempotency_key_in_use");
      else {
        expect(answer.status).toBe(201);
        expect(answer.body.order?.id).toBe(orders[0]!.id);
      }
    }
    expect(answers.filter((answer) => answer.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(await statsForOrder(orders[0]!.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });

  it("refuses to reuse a key for a different request (422) and writes nothing", async () => {
    const key = randomUUID();
    const { apiKey, scope } = await createApiClient();
    await callCheckoutApi({ key, apiKey, body: mugs(1) });
    const before = await scopeCounts(scope);
    for (const body of [mugs(2), mugs(1, "pm_card_chargeDeclined"), { items: [{ slug: "brass-scoop", quantity: 1 }], paymentMethod: "pm_card_visa" }]) {
      const answer = await callCheckoutApi({ key, apiKey, body });
      expect(answer.status).toBe(422);
      expect(answer.body.error?.message).toMatch(/already used for a different request/);
    }
    expect(await scopeCounts(scope)).toEqual(before);
  });

  it("scopes keys to the API client: another client's identical key makes its own order and cannot see the first", async () => {
    const key = randomUUID();
    const { apiKey: otherApiKey, scope: otherScope } = await createApiClient("Other client");
    const mine = await callCheckoutApi({ key, body: mugs(1) });
    const theirs = await callCheckoutApi({ key, apiKey: otherApiKey, body: mugs(1) });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.body.order!.id).not.toBe(mine.body.order!.id);

    // GET /api/orders/[id] and the order page read orders through this scope filter.
    expect(await findOrderForScope(mine.body.order!.id, [otherScope])).toBeNull();
    expect(await findOrderForScope(theirs.body.order!.id, [otherScope])).toMatchObject({ id: theirs.body.order!.id });
  });

  it("answers a declined card with 402 and a failed order, and replays the decline", async () => {
    const key = randomUUID();
    const first = await callCheckoutApi({ key, body: mugs(1, "pm_card_chargeDeclinedInsufficientFunds") });
    expect(first.status).toBe(402);
    expect(first.body.error).toMatchObject({ type: "card_error", code: "card_declined", declineCode: "insufficient_funds" });
    expect(first.body.order).toMatchObject({ status: "failed" });
    const retry = await callCheckoutApi({ key, body: mugs(1, "pm_card_chargeDeclinedInsufficientFunds") });
    expect(retry.status).toBe(402);
    expect(retry.body).toEqual(first.body);
    expect(await statsForOrder(first.body.order!.id)).toMatchObject({ paymentIntents: 1, charges: 0 });
  });

  describe("bad input gets a clear error and changes nothing", () => {
    const cases: [string, Parameters<typeof callCheckoutApi>[0], number, RegExp][] = [
      ["no API key", { apiKey: null }, 401, /API key/],
      ["a wrong API key", { apiKey: "not-a-real-key-at-all" }, 401, /API key/],
      ["no Idempotency-Key", { key: null }, 400, /Idempotency-Key/],
      ["an empty Idempotency-Key", { key: "" }, 400, /Idempotency-Key/],
      ["an oversize Idempotency-Key", { key: "k".repeat(256) }, 400, /255/],
      ["a key with spaces", { key: "two words" }, 400, /printable/],
      ["malformed JSON", { rawBody: "{ items: [" }, 400, /not valid JSON/],
      ["an unknown product", { body: { items: [{ slug: "unicorn", quantity: 1 }], paymentMethod: "pm_card_visa" } }, 400, /Unknown product: unicorn/],
      ["a zero quantity", { body: mugs(0) }, 400, /at least 1/],
      ["a negative quantity", { body: mugs(-2) }, 400, /at least 1/],
      ["an absurd quantity", { body: mugs(100000) }, 400, /at most 99/],
      ["a fractional quantity", { body: mugs(1.5) }, 400, /whole number/],
      ["a quantity given as a string", { body: { items: [{ slug: "stoneware-mug", quantity: "1" }], paymentMethod: "pm_card_visa" } }, 400, /quantity/],
      ["no items", { body: { items: [], paymentMethod: "pm_card_visa" } }, 400, /no items/],
      ["an unknown payment method", { body: { items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_unicorn" } }, 400, /paymentMethod/],
      ["a client-supplied price", { body: { items: [{ slug: "stoneware-mug", quantity: 1, priceCents: 1 }], paymentMethod: "pm_card_visa" } }, 400, /priceCents/],
    ];
    it.each(cases)("%s", async (_name, call, status, message) => {
      const { apiKey, scope } = await createApiClient();
      const answer = await callCheckoutApi({ apiKey, ...call });
      expect(answer.status).toBe(status);
      expect(answer.body.error?.message).toMatch(message);
      expect(await scopeCounts(scope)).toEqual({ orders: 0, records: 0, payments: 0 });
    });
  });
});
