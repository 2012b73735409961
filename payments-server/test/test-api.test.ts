import { describe, expect, it } from "vitest";
import { DEFAULT_WEBHOOK_SECRET, optionsFromEnv, startPaymentsServer } from "../src/index.ts";
import { useHarness, visaPayment } from "./helpers.ts";

describe("test control API", () => {
  const h = useHarness();

  it("stats: global totals, per metadata (both query forms), per idempotency key", async () => {
    await h.stripe.paymentIntents.create(visaPayment("s1"), { idempotencyKey: "k-s1" });
    await h.stripe.paymentIntents.create(visaPayment("s1"), { idempotencyKey: "k-s1" });
    await h.stripe.paymentIntents.create(visaPayment("s2", { payment_method: "pm_card_chargeDeclined" })).catch(() => {});

    const all = await h.stats();
    expect(all).toMatchObject({
      paymentIntents: { created: 2, byStatus: { succeeded: 1, requires_payment_method: 1 } },
      charges: { created: 2, succeeded: 1, failed: 1 },
      capturedAmount: 2500,
      requests: { executed: 2, replayed: 1, total: 3 },
    });
    const byBracket = await h.stats({ "metadata[orderId]": "s1" });
    const byKeyValue = await h.stats({ metadataKey: "orderId", metadataValue: "s1" });
    expect(byKeyValue).toEqual(byBracket);
    expect(byBracket).toMatchObject({ paymentIntents: { created: 1 }, charges: { succeeded: 1 }, events: 3 });
    expect(byBracket.requests.byIdempotencyKey).toEqual({ "k-s1": expect.objectContaining({ executed: 1, replayed: 1 }) });
    expect(await h.stats({ idempotencyKey: "k-s1" })).toMatchObject({ paymentIntents: { created: 1 }, capturedAmount: 2500 });
    expect(await h.stats({ "metadata[orderId]": "nobody" })).toMatchObject({ paymentIntents: { created: 0 }, requests: { total: 0 } });
  });

  it("lists PaymentIntents by metadata", async () => {
    const a = await h.stripe.paymentIntents.create(visaPayment("list", { metadata: { orderId: "list", cartId: "c1" } }));
    await h.stripe.paymentIntents.create(visaPayment("other"));
    const { body } = await h.control("GET", "/_test/payment_intents?metadata[cartId]=c1");
    expect(body.data.map((pi: { id: string }) => pi.id)).toEqual([a.id]);
    expect((await h.control("GET", "/_test/payment_intents")).body.data).toHaveLength(2);
  });

  it("reset forgets data, idempotency keys, faults and rules, but keeps the configuration", async () => {
    await h.control("POST", "/_test/config", { webhookUrl: "http://127.0.0.1:9/hooks" });
    await h.stripe.paymentIntents.create(visaPayment("reset"), { idempotencyKey: "k-reset" });
    await h.control("POST", "/_test/faults", { fault: { kind: "unavailable_before" }, times: null, match: { path: "/v1/events" } });
    await h.control("POST", "/_test/webhooks", { copies: 2 });
    expect((await h.control("POST", "/_test/reset")).body).toEqual({ reset: true });

    expect(await h.stats()).toMatchObject({ paymentIntents: { created: 0 }, events: 0, requests: { total: 0 } });
    expect((await h.control("GET", "/_test/faults")).body.data).toEqual([]);
    expect((await h.control("GET", "/_test/webhooks")).body.data).toEqual([]);
    expect((await h.stripe.events.list()).data).toEqual([]);
    const again = await h.stripe.paymentIntents.create(visaPayment("reset"), { idempotencyKey: "k-reset" });
    expect(again.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect((await h.control("GET", "/_test/config")).body.webhookUrl).toBe("http://127.0.0.1:9/hooks");
  });

  it("config validates its input", async () => {
    expect((await h.control("POST", "/_test/config", { webhookUrl: "not a url" })).status).toBe(400);
    expect((await h.control("POST", "/_test/config", { surprise: 1 })).status).toBe(400);
    const { body } = await h.control("POST", "/_test/config", { webhookUrl: null, asyncSettleDelayMs: 10 });
    expect(body).toMatchObject({ webhookUrl: null, asyncSettleDelayMs: 10 });
    expect((await h.control("POST", `/_test/events/evt_x/redeliver`, {})).status).toBe(404);
    const res = await fetch(`${h.server.url}/_test/config`, { method: "POST", body: "{" });
    expect(res.status).toBe(400);
  });

  it("is absent unless enabled", async () => {
    const server = await startPaymentsServer({ port: 0 });
    try {
      const res = await fetch(`${server.url}/_test/stats`);
      expect(res.status).toBe(404);
      expect((await res.json()).error.type).toBe("invalid_request_error");
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("configuration from the environment", () => {
  it("reads PAYMENTS_* variables with development defaults", () => {
    expect(optionsFromEnv({})).toEqual({
      port: 12111,
      host: "127.0.0.1",
      webhookUrl: undefined,
      webhookSecret: DEFAULT_WEBHOOK_SECRET,
      testApi: true,
      idempotencyTtlMs: undefined,
      webhookRetryBaseMs: undefined,
      webhookMaxAttempts: undefined,
      asyncSettleDelayMs: undefined,
    });
    expect(
      optionsFromEnv({
        PAYMENTS_PORT: "0",
        PAYMENTS_WEBHOOK_URL: "http://localhost:3000/api/webhooks/stripe",
        STRIPE_WEBHOOK_SECRET: "whsec_x",
        PAYMENTS_TEST_API: "0",
        PAYMENTS_IDEMPOTENCY_TTL_MS: "1000",
        PAYMENTS_ASYNC_SETTLE_MS: "10",
        PAYMENTS_WEBHOOK_RETRY_BASE_MS: "5",
      }),
    ).toMatchObject({ port: 0, webhookSecret: "whsec_x", testApi: false, idempotencyTtlMs: 1000, asyncSettleDelayMs: 10, webhookRetryBaseMs: 5 });
    expect(() => optionsFromEnv({ PAYMENTS_PORT: "abc" })).toThrow(/PAYMENTS_PORT/);
  });
});
