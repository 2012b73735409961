import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { API_KEY, eventually, sleep, startHarness, useHarness, visaPayment } from "./helpers.ts";

const FORM = "amount=2500&currency=usd&payment_method=pm_card_visa&confirm=true&metadata[orderId]=raw";

describe("idempotency, as Stripe documents it", () => {
  const h = useHarness();

  it("the SDK invents a fresh key per POST: two identical calls without a key charge twice, one key charges once", async () => {
    const a = await h.stripe.paymentIntents.create(visaPayment("twice"));
    const b = await h.stripe.paymentIntents.create(visaPayment("twice"));
    expect(a.id).not.toBe(b.id);
    expect(a.lastResponse.idempotencyKey).toMatch(/^stripe-node-retry-/);
    expect(a.lastResponse.idempotencyKey).not.toBe(b.lastResponse.idempotencyKey);
    expect((await h.stats({ "metadata[orderId]": "twice" })).charges.succeeded).toBe(2);

    const c = await h.stripe.paymentIntents.create(visaPayment("once"), { idempotencyKey: "order-once" });
    const d = await h.stripe.paymentIntents.create(visaPayment("once"), { idempotencyKey: "order-once" });
    expect(d.id).toBe(c.id);
    expect(d.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(d.lastResponse.headers["original-request"]).toBe(c.lastResponse.requestId);
    expect(d.lastResponse.requestId).not.toBe(c.lastResponse.requestId);
    expect(c.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    const stats = await h.stats({ idempotencyKey: "order-once" });
    expect(stats.paymentIntents.created).toBe(1);
    expect(stats.charges.succeeded).toBe(1);
    expect(stats.requests).toMatchObject({ executed: 1, replayed: 1 });
  });

  it("replays status and body byte for byte, errors included", async () => {
    const first = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "bytes" });
    const second = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "bytes" });
    expect(second.status).toBe(first.status);
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get("original-request")).toBe(first.headers.get("request-id"));
    expect(second.headers.get("request-id")).toMatch(/^req_/);

    const declined = FORM.replace("pm_card_visa", "pm_card_chargeDeclined");
    const d1 = await h.post("/v1/payment_intents", declined, { "Idempotency-Key": "declined" });
    const d2 = await h.post("/v1/payment_intents", declined, { "Idempotency-Key": "declined" });
    expect([d1.status, d2.status]).toEqual([402, 402]);
    expect(await d2.text()).toBe(await d1.text());
    expect(d2.headers.get("idempotent-replayed")).toBe("true");
    expect((await h.stats({ idempotencyKey: "declined" })).charges.failed).toBe(1);
  });

  it("same key with different parameters is an idempotency_error (StripeIdempotencyError)", async () => {
    await h.stripe.paymentIntents.create(visaPayment("mismatch"), { idempotencyKey: "k-mismatch" });
    const error = await h.stripe.paymentIntents.create(visaPayment("mismatch", { amount: 9999 }), { idempotencyKey: "k-mismatch" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, rawType: "idempotency_error" });
    // A different endpoint is a different request too.
    const other = await h.post("/v1/refunds", "payment_intent=pi_x", { "Idempotency-Key": "k-mismatch" });
    expect((await other.json()).error.type).toBe("idempotency_error");
    expect((await h.stats({ idempotencyKey: "k-mismatch" })).paymentIntents.created).toBe(1);
  });

  it("30 concurrent creates with one key make exactly one PaymentIntent (409s retried by the SDK)", async () => {
    // Hold the first execution so the other 29 really meet it in progress.
    await h.control("POST", "/_test/faults", { match: { idempotencyKey: "k-30" }, fault: { kind: "delay_while_executing", ms: 300 } });
    const stripe = h.client({ maxNetworkRetries: 3 });
    const results = await Promise.all(Array.from({ length: 30 }, () => stripe.paymentIntents.create(visaPayment("thirty"), { idempotencyKey: "k-30" })));
    expect(new Set(results.map((pi) => pi.id)).size).toBe(1);
    const stats = await h.stats({ idempotencyKey: "k-30" });
    expect(stats.paymentIntents.created).toBe(1);
    expect(stats.charges.succeeded).toBe(1);
    expect(stats.requests.executed).toBe(1);
    expect(stats.requests.replayed).toBe(29);
    expect(stats.requests.conflict).toBeGreaterThan(0);
  });

  it("a request meeting its key in progress gets a 409 idempotency_key_in_use that saves nothing", async () => {
    await h.control("POST", "/_test/faults", { match: { idempotencyKey: "k-409" }, fault: { kind: "delay_while_executing", ms: 600 } });
    const first = h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-409" });
    // The fault strikes once the first request is executing.
    await eventually(async () => (await h.control("GET", "/_test/faults")).body.data[0].applied === 1);
    const conflict = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-409" });
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).error).toMatchObject({ type: "invalid_request_error", code: "idempotency_key_in_use" });
    // The SDK without retries surfaces it as an error carrying the code.
    const sdkError = await h.stripe.paymentIntents.create(visaPayment("raw"), { idempotencyKey: "k-409" }).catch((e: unknown) => e);
    expect(sdkError).toMatchObject({ statusCode: 409, code: "idempotency_key_in_use" });

    const original = await first;
    expect(original.status).toBe(200);
    const later = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-409" });
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect((await later.json()).id).toBe((await original.json()).id);
  });

  it("a 500 raised while executing is saved and replayed; nothing is charged", async () => {
    await h.control("POST", "/_test/faults", { match: { idempotencyKey: "k-500" }, fault: { kind: "error_while_executing" } });
    // Stripe-Should-Retry: false stops the SDK's own retries, which would only get the replay.
    const stripe = h.client({ maxNetworkRetries: 2 });
    const first = await stripe.paymentIntents.create(visaPayment("five-hundred"), { idempotencyKey: "k-500" }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(first).toMatchObject({ statusCode: 500 });
    const retry = await stripe.paymentIntents.create(visaPayment("five-hundred"), { idempotencyKey: "k-500" }).catch((e: unknown) => e);
    expect(retry).toMatchObject({ statusCode: 500, message: (first as Error).message });
    expect((retry as Stripe.errors.StripeError).headers?.["idempotent-replayed"]).toBe("true");
    const stats = await h.stats({ idempotencyKey: "k-500" });
    expect(stats.paymentIntents.created).toBe(0);
    expect(stats.requests).toMatchObject({ executed: 1, replayed: 1 });
  });

  it("a 503 before executing saves nothing, so the retry executes exactly once", async () => {
    await h.control("POST", "/_test/faults", { match: { idempotencyKey: "k-503" }, fault: { kind: "unavailable_before" } });
    const error = await h.stripe.paymentIntents.create(visaPayment("unavailable"), { idempotencyKey: "k-503" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 503 });
    expect((await h.stats({ idempotencyKey: "k-503" })).paymentIntents.created).toBe(0);
    const pi = await h.stripe.paymentIntents.create(visaPayment("unavailable"), { idempotencyKey: "k-503" });
    expect(pi.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    const stats = await h.stats({ idempotencyKey: "k-503" });
    expect(stats.paymentIntents.created).toBe(1);
    expect(stats.requests).toMatchObject({ unavailable: 1, executed: 1, replayed: 0 });
  });

  it("validation and authentication failures save nothing: the key stays free", async () => {
    const invalid = await h.post("/v1/payment_intents", "amount=-5&currency=usd", { "Idempotency-Key": "k-free" });
    expect(invalid.status).toBe(400);
    const unauthorized = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-free", Authorization: "Bearer sk_live_nope" });
    expect(unauthorized.status).toBe(401);
    // Different parameters than the rejected attempt, and yet no idempotency_error: nothing was saved.
    const ok = await h.post("/v1/payment_intents", FORM, { "Idempotency-Key": "k-free" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keys are at most 255 characters", async () => {
    const error = await h.stripe.paymentIntents.create(visaPayment("long"), { idempotencyKey: "k".repeat(256) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, rawType: "invalid_request_error" });
    expect((await h.stats()).paymentIntents.created).toBe(0);
    const pi = await h.stripe.paymentIntents.create(visaPayment("long"), { idempotencyKey: "k".repeat(255) });
    expect(pi.status).toBe("succeeded");
  });

  it("GETs ignore the header", async () => {
    const pi = await h.stripe.paymentIntents.create(visaPayment("get"));
    const get = () =>
      fetch(`${h.server.url}/v1/payment_intents/${pi.id}`, { headers: { Authorization: `Bearer ${API_KEY}`, "Idempotency-Key": "x".repeat(300) } });
    expect((await get()).status).toBe(200);
    const again = await get();
    expect(again.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keys belong to one API key", async () => {
    const a = await h.stripe.paymentIntents.create(visaPayment("scoped"), { idempotencyKey: "shared" });
    const b = await h.client({}, "sk_test_another_key").paymentIntents.create(visaPayment("scoped"), { idempotencyKey: "shared" });
    expect(b.id).not.toBe(a.id);
  });
});

describe("idempotency key expiry", () => {
  it("a key reused after its TTL executes again", async () => {
    const h = await startHarness({ idempotencyTtlMs: 300 });
    try {
      const a = await h.stripe.paymentIntents.create(visaPayment("ttl"), { idempotencyKey: "k-ttl" });
      expect((await h.stripe.paymentIntents.create(visaPayment("ttl"), { idempotencyKey: "k-ttl" })).id).toBe(a.id);
      await sleep(350);
      const b = await h.stripe.paymentIntents.create(visaPayment("ttl", { amount: 3000 }), { idempotencyKey: "k-ttl" });
      expect(b.id).not.toBe(a.id);
      expect(b.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    } finally {
      await h.server.close();
    }
  });
});
