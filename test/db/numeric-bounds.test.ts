import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { placeOrder } from "@/app/actions/checkout.ts";
import { cartScope } from "@/lib/checkout/request.ts";
import { db } from "@/lib/db.ts";
import { randomToken, sha256 } from "@/lib/hash.ts";
import { callCheckoutApi, createApiClient, scopeCounts } from "../setup/fixtures.ts";

// The server action reads its cart from the session cookie: each test sets the token it sends.
const session = vi.hoisted(() => ({ token: undefined as string | undefined }));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "cart_session" && session.token ? { value: session.token } : undefined), set: () => undefined }),
}));

/** A cart behind a session token of its own, as a browser that added a mug has. */
async function sessionCart() {
  const token = randomToken();
  const cart = await db.cart.create({ data: { tokenHash: sha256(token) } });
  const mug = await db.product.findUniqueOrThrow({ where: { slug: "stoneware-mug" } });
  await db.cartItem.create({ data: { cartId: cart.id, productId: mug.id, quantity: 1 } });
  session.token = token;
  return db.cart.update({ where: { id: cart.id }, data: { version: { increment: 1 } } });
}

function placeOrderForm(fields: Record<string, string>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return placeOrder({}, form);
}

describe("numbers outside their column's range are a 400 that writes nothing", () => {
  it.each(["2147483648", "9007199254740993", "99999999999999999999", "-1", "1.5", "1e3", "0x10", "", " 7"])(
    "placeOrder (server action) refuses cartVersion %j",
    async (cartVersion) => {
      const cart = await sessionCart();
      const result = await placeOrderForm({ idempotencyKey: randomUUID(), cartVersion, paymentMethod: "pm_card_visa" });
      expect(result.error).toMatchObject({ type: "invalid_request_error", message: expect.stringMatching(/cartVersion/) });
      expect(await scopeCounts(cartScope(cart.id))).toEqual({ orders: 0, records: 0, payments: 0 });
      expect(await db.auditEvent.count({ where: { scope: cartScope(cart.id) } })).toBe(0);
    },
  );

  it("placeOrder still takes the cart's own version at the top of the range (it is refused as changed, not as malformed)", async () => {
    const cart = await sessionCart();
    const result = await placeOrderForm({ idempotencyKey: randomUUID(), cartVersion: "2147483647", paymentMethod: "pm_card_visa" });
    expect(result.error).toMatchObject({ code: "cart_changed" });
    expect(await scopeCounts(cartScope(cart.id))).toEqual({ orders: 0, records: 0, payments: 0 });
  });

  it.each([2 ** 31, 2 ** 53 + 2, 1e308, -1, 0, 1.5, "3"])("POST /api/checkout refuses quantity %j", async (quantity) => {
    const { apiKey, scope } = await createApiClient();
    const answer = await callCheckoutApi({ apiKey, body: { items: [{ slug: "stoneware-mug", quantity }], paymentMethod: "pm_card_visa" } });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe("invalid_body");
    expect(await scopeCounts(scope)).toEqual({ orders: 0, records: 0, payments: 0 });
  });

  it("POST /api/checkout refuses a number too large for JSON's doubles (1e400 → Infinity)", async () => {
    const { apiKey, scope } = await createApiClient();
    const answer = await callCheckoutApi({ apiKey, rawBody: '{"items":[{"slug":"stoneware-mug","quantity":1e400}],"paymentMethod":"pm_card_visa"}' });
    expect(answer.status).toBe(400);
    expect(await scopeCounts(scope)).toEqual({ orders: 0, records: 0, payments: 0 });
  });

  it("POST /api/checkout refuses an order whose total Stripe could not charge and `integer` could not hold (400 amount_too_large)", async () => {
    // A costly product: 99 of it total 2,970,000,000 cents, past both Stripe's $999,999.99 and 2^31 - 1.
    const slug = `espresso-machine-${randomToken().slice(0, 8)}`;
    await db.product.create({ data: { slug, name: "Espresso Machine", description: "A test product", priceCents: 30_000_000, image: "/x.svg" } });
    const { apiKey, scope } = await createApiClient();
    for (const quantity of [99, 4]) {
      const answer = await callCheckoutApi({ apiKey, body: { items: [{ slug, quantity }], paymentMethod: "pm_card_visa" } });
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe("amount_too_large");
    }
    expect(await scopeCounts(scope)).toEqual({ orders: 0, records: 0, payments: 0 });
    expect(await db.auditEvent.count({ where: { scope } })).toBe(0);
    // At the limit itself the order is taken.
    const three = await callCheckoutApi({ apiKey, body: { items: [{ slug, quantity: 3 }], paymentMethod: "pm_card_visa" } });
    expect(three.status).toBe(201);
    expect(three.body.order?.totalCents).toBe(90_000_000);
  });
});
