import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPaymentsServer, type PaymentsServer } from "../../payments-server/src/index.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { db } from "@/lib/db.ts";
import { stripe } from "@/lib/payments/stripe.ts";
import { createCart, fromCart } from "../setup/fixtures.ts";
import { delayAllAnswers, delaySearch, statsForCart } from "../setup/payments.ts";

// Stripe's key window, shrunk on both sides: this file's own payments server forgets a key after
// 6 s (longer than the first checkout's own retries take), and the shop knows its keys last 6 s.
const KEY_WINDOW_MS = 6000;
vi.hoisted(() => {
  process.env.PROVIDER_KEY_WINDOW_MS = "6000";
});

let payments: PaymentsServer;

beforeAll(async () => {
  payments = await startPaymentsServer({ port: 0, testApi: true, webhookSecret: "whsec_test_secret", asyncSettleDelayMs: 300, idempotencyTtlMs: KEY_WINDOW_MS });
  process.env.STRIPE_API_URL = payments.url;
  process.env.PAYMENTS_URL = payments.url;
  delete (globalThis as { stripe?: unknown }).stripe; // the SDK client is made on first use, for this server
});

afterAll(async () => {
  await payments?.close();
});

describe("a retry after Stripe's key window has passed", () => {
  it("finds the first attempt's charge (with a list: search lags) instead of creating a second PaymentIntent", async () => {
    const cart = await createCart();
    const key = randomUUID();
    // Stripe's search will not show this cart's PaymentIntent for a while (it may lag a minute or more).
    await delaySearch({ metadata: { cartId: cart.id } }, 120_000);
    // Charged, but every answer came too late: the outcome is unknown, the order pending.
    await delayAllAnswers(cart.id);
    expect((await checkout(fromCart(cart, key))).status).toBe(503);
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
    // The key window passes: Stripe forgets the key, the same request would execute again.
    await sleep(KEY_WINDOW_MS + 500);

    const searched = await stripe().paymentIntents.search({ query: `metadata['cartId']:'${cart.id}'` });
    expect(searched.data).toHaveLength(0);

    const retry = await checkout(fromCart(cart, key));
    expect(retry).toMatchObject({ status: 201, body: { order: { status: "paid" } } });
    expect(await db.order.findFirstOrThrow({ where: { cartId: cart.id } })).toMatchObject({ status: "paid", attempt: 1 });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
  });
});
