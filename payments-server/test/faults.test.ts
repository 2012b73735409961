import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { useHarness, visaPayment } from "./helpers.ts";

describe("fault injection", () => {
  const h = useHarness();
  const fault = (body: unknown) => h.control("POST", "/_test/faults", body);

  it("delay_after_commit: the client times out, yet the charge exists and a retry with the key replays it", async () => {
    await fault({ match: { idempotencyKey: "k-slow" }, fault: { kind: "delay_after_commit", ms: 1000 } });
    const impatient = h.client({ timeout: 200 });
    const error = await impatient.paymentIntents.create(visaPayment("slow"), { idempotencyKey: "k-slow" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);

    const stats = await h.stats({ "metadata[orderId]": "slow" });
    expect(stats.charges.succeeded).toBe(1);
    const [created] = (await h.control("GET", "/_test/payment_intents?metadataKey=orderId&metadataValue=slow")).body.data;

    const retried = await h.stripe.paymentIntents.create(visaPayment("slow"), { idempotencyKey: "k-slow" });
    expect(retried.id).toBe(created.id);
    expect(retried.status).toBe("succeeded");
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await h.stats({ "metadata[orderId]": "slow" })).charges.succeeded).toBe(1);
  });

  it("drop_after_commit: the response is lost, the charge exists, a retry with the key replays it", async () => {
    // Twice, because the SDK itself retries a closed connection once, even with maxNetworkRetries 0.
    await fault({ match: { idempotencyKey: "k-drop" }, fault: { kind: "drop_after_commit" }, times: 2 });
    const error = await h.stripe.paymentIntents.create(visaPayment("drop"), { idempotencyKey: "k-drop" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((await h.stats({ idempotencyKey: "k-drop" })).requests).toMatchObject({ executed: 1, replayed: 1 });

    const retried = await h.stripe.paymentIntents.create(visaPayment("drop"), { idempotencyKey: "k-drop" });
    expect(retried.status).toBe("succeeded");
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const stats = await h.stats({ idempotencyKey: "k-drop" });
    expect(stats.paymentIntents.created).toBe(1);
    expect(stats.charges.succeeded).toBe(1);
  });

  it("one dropped response is healed by the SDK's automatic retry of closed connections, thanks to its key", async () => {
    await fault({ match: { metadata: { orderId: "drop-once" } }, fault: { kind: "drop_after_commit" } });
    const pi = await h.stripe.paymentIntents.create(visaPayment("drop-once"));
    expect(pi.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await h.stats({ "metadata[orderId]": "drop-once" })).paymentIntents.created).toBe(1);
  });

  it("matches by metadata, including requests about a tagged PaymentIntent (confirm, refund)", async () => {
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: "usd", metadata: { orderId: "A" } });
    await fault({ match: { metadata: { orderId: "A" } }, fault: { kind: "unavailable_before" }, times: null });
    const other = await h.stripe.paymentIntents.create(visaPayment("B"));
    expect(other.status).toBe("succeeded");
    const error = await h.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 503 });
    expect(await h.stripe.refunds.create({ payment_intent: pi.id }).catch((e: unknown) => e)).toMatchObject({ statusCode: 503 });

    await h.control("DELETE", "/_test/faults");
    expect((await h.stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" })).status).toBe("succeeded");
  });

  it("fails the next N requests (no match, times N), then recovers; list shows what struck", async () => {
    const { body: rule } = await fault({ fault: { kind: "unavailable_before" }, times: 2 });
    expect(rule).toMatchObject({ id: expect.stringMatching(/^fault_/), remaining: 2 });
    for (let i = 0; i < 2; i++) {
      expect(await h.stripe.paymentIntents.create(visaPayment("n")).catch((e: unknown) => e)).toMatchObject({ statusCode: 503 });
    }
    expect((await h.stripe.paymentIntents.create(visaPayment("n"))).status).toBe("succeeded");
    const { body } = await h.control("GET", "/_test/faults");
    expect(body.data).toEqual([expect.objectContaining({ id: rule.id, applied: 2, remaining: 0 })]);
    // With retries the SDK rides over a transient 503 by itself.
    await fault({ fault: { kind: "unavailable_before" } });
    expect((await h.client({ maxNetworkRetries: 1 }).paymentIntents.create(visaPayment("n"))).status).toBe("succeeded");
  });

  it("matches by path and method, and a rule can be deleted by id", async () => {
    const { body: rule } = await fault({ match: { path: "/v1/refunds*", method: "post" }, fault: { kind: "error_while_executing" }, times: null });
    const pi = await h.stripe.paymentIntents.create(visaPayment("path"));
    expect(await h.stripe.refunds.create({ payment_intent: pi.id }).catch((e: unknown) => e)).toMatchObject({ statusCode: 500 });
    expect((await h.control("DELETE", `/_test/faults/${rule.id}`)).body).toEqual({ deleted: 1 });
    expect((await h.control("DELETE", `/_test/faults/${rule.id}`)).status).toBe(404);
    expect((await h.stripe.refunds.create({ payment_intent: pi.id })).status).toBe("succeeded");
  });

  it("rejects malformed fault definitions", async () => {
    const bad = await fault({ fault: { kind: "explode" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe("invalid_request_error");
    expect((await fault({ fault: { kind: "delay_after_commit" } })).status).toBe(400);
  });
});
