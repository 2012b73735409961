import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { useHarness, visaPayment } from "./helpers.ts";

describe("validation: Stripe's 400 error shape, nothing created", () => {
  const h = useHarness();

  async function expectNothingCreated() {
    const stats = await h.stats();
    expect(stats.paymentIntents.created).toBe(0);
    expect(stats.events).toBe(0);
    expect(stats.requests.executed).toBe(0);
  }

  it.each<[string, Record<string, unknown>, string, string | undefined]>([
    ["an unknown parameter", { foo: "bar" }, "foo", "parameter_unknown"],
    ["an unknown nested parameter", { automatic_payment_methods: { enabled: true, foo: 1 } }, "automatic_payment_methods[foo]", "parameter_unknown"],
    ["a negative amount", { amount: -100 }, "amount", "parameter_invalid_integer"],
    ["a zero amount", { amount: 0 }, "amount", "parameter_invalid_integer"],
    ["a non-integer amount", { amount: 12.5 }, "amount", "parameter_invalid_integer"],
    ["an amount below the currency minimum", { amount: 20 }, "amount", "amount_too_small"],
    ["an unsupported currency", { currency: "xyz" }, "currency", undefined],
    ["a malformed currency", { currency: "us dollars" }, "currency", undefined],
    ["a missing amount", { amount: undefined }, "amount", "parameter_missing"],
    ["an invalid boolean", { confirm: "maybe" }, "confirm", "parameter_invalid_boolean"],
    ["a metadata key over 40 characters", { metadata: { ["k".repeat(41)]: "v" } }, `metadata[${"k".repeat(41)}]`, undefined],
  ])("rejects %s", async (_name, override, param, code) => {
    const params = { ...visaPayment("invalid"), ...override } as Stripe.PaymentIntentCreateParams;
    const error = await h.stripe.paymentIntents.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, rawType: "invalid_request_error", param, code });
    expect((error as Stripe.errors.StripeError).message).toBeTruthy();
    await expectNothingCreated();
  });

  it("reports unknown parameters before other problems, as Stripe does", async () => {
    const error = await h.post("/v1/payment_intents", "amount=-1&currency=xyz&colour=red");
    expect((await error.json()).error).toMatchObject({ param: "colour", code: "parameter_unknown" });
  });

  it.each([
    ["an unclosed bracket", "amount=2500&currency=usd&metadata[orderId=1"],
    ["bad percent-encoding", "amount=2500&currency=usd&description=%ZZ"],
    ["a repeated parameter", "amount=2500&amount=3000&currency=usd"],
    ["a value that is also a hash", "amount=2500&currency=usd&metadata=x&metadata[a]=b"],
    ["a name without a key", "=2500&currency=usd"],
  ])("rejects a malformed form body: %s", async (_name, form) => {
    const res = await h.post("/v1/payment_intents", form, { "Idempotency-Key": "malformed" });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/form-encoded/);
    await expectNothingCreated();
  });

  it("rejects a JSON body", async () => {
    const res = await h.post("/v1/payment_intents", JSON.stringify({ amount: 2500, currency: "usd" }), { "Content-Type": "application/json" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.type).toBe("invalid_request_error");
    await expectNothingCreated();
  });

  it("accepts Stripe's encoding details: brackets percent-encoded or not, + for spaces, empty values as unset", async () => {
    const res = await h.post("/v1/payment_intents", "amount=2500&currency=usd&metadata%5BorderId%5D=a+b&description=&payment_method_types[]=card");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ metadata: { orderId: "a b" }, description: null, payment_method_types: ["card"], automatic_payment_methods: null });
  });

  it("answers 401 for a missing or non-test key, accepts basic auth", async () => {
    for (const key of ["sk_live_123", "pk_test_123", "rk_test_123"]) {
      const error = await h.client({}, key).paymentIntents.create(visaPayment("auth")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error).toMatchObject({ statusCode: 401, rawType: "invalid_request_error" });
    }
    const missing = await fetch(`${h.server.url}/v1/events`);
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.message).toMatch(/did not provide an API key/);
    await expectNothingCreated();

    const basic = await fetch(`${h.server.url}/v1/events`, { headers: { Authorization: `Basic ${Buffer.from("sk_test_abc:").toString("base64")}` } });
    expect(basic.status).toBe(200);
  });

  it("answers 404 for unknown URLs, with a request id", async () => {
    const error = await h.stripe.rawRequest("GET", "/v1/customers").catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 404, type: "StripeInvalidRequestError" });
    const res = await fetch(`${h.server.url}/elsewhere`);
    expect(res.status).toBe(404);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
  });
});
