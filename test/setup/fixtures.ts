import { randomUUID } from "node:crypto";
import { POST as postCheckout } from "@/app/api/checkout/route.ts";
import { cartScope, type CheckoutRequest } from "@/lib/checkout/request.ts";
import { db } from "@/lib/db.ts";
import type { PaymentMethodId } from "@/lib/payments/payment-methods.ts";
import { randomToken, sha256 } from "@/lib/hash.ts";
import { DEFAULT_DEMO_API_KEY } from "../../prisma/seed.ts";

export const DEMO_KEY = process.env.DEMO_API_KEY ?? DEFAULT_DEMO_API_KEY;

/** An API client of its own, so a test can count what happened in its scope alone. */
export async function createApiClient(name = "Test client") {
  const apiKey = `test_key_${randomToken()}`;
  const client = await db.apiClient.create({ data: { name, keyHash: sha256(apiKey) } });
  return { apiKey, scope: `api:${client.id}` };
}

/** Rows written in one scope: tests run in parallel, so they never count whole tables. */
export async function scopeCounts(scope: string) {
  const [orders, records, payments] = await Promise.all([
    db.order.count({ where: { scope } }),
    db.idempotencyRecord.count({ where: { scope } }),
    db.payment.count({ where: { order: { scope } } }),
  ]);
  return { orders, records, payments };
}

/** A cart with the given lines, as a browser session would have built it. */
export async function createCart(lines: Record<string, number> = { "stoneware-mug": 2, "brass-scoop": 1 }) {
  const cart = await db.cart.create({ data: { tokenHash: sha256(randomToken()) } });
  for (const [slug, quantity] of Object.entries(lines)) {
    const product = await db.product.findUniqueOrThrow({ where: { slug } });
    await db.cartItem.create({ data: { cartId: cart.id, productId: product.id, quantity } });
  }
  return db.cart.update({ where: { id: cart.id }, data: { version: { increment: 1 } } });
}

export type ApiCall = { key?: string | null; apiKey?: string | null; body?: unknown; rawBody?: string };

/** Calls the POST /api/checkout route handler itself: the HTTP entry point's exact code path. */
export async function callCheckoutApi({ key = randomUUID(), apiKey = DEMO_KEY, body, rawBody }: ApiCall) {
  const headers = new Headers({ "content-type": "application/json" });
  if (key !== null) headers.set("idempotency-key", key);
  if (apiKey !== null) headers.set("authorization", `Bearer ${apiKey}`);
  const response = await postCheckout(
    new Request("http://shop.test/api/checkout", { method: "POST", headers, body: rawBody ?? JSON.stringify(body ?? { items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" }) }),
  );
  return { status: response.status, headers: response.headers, body: (await response.json()) as { order?: { id: string; status: string; totalCents: number }; error?: { type: string; code?: string; message: string; declineCode?: string | null } } };
}

/** What the placeOrder server action passes to checkout() for a cart session. */
export const fromCart = (cart: { id: string; version: number }, key: string, paymentMethod: PaymentMethodId = "pm_card_visa"): CheckoutRequest => ({
  scope: cartScope(cart.id),
  key,
  paymentMethod,
  source: { kind: "cart", cartId: cart.id, cartVersion: cart.version },
});
