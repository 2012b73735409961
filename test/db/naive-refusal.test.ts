import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { naiveCheckout } from "@/lib/checkout/naive.ts";
import { apiScope, cartScope } from "@/lib/checkout/request.ts";
import { db } from "@/lib/db.ts";
import { randomToken, sha256 } from "@/lib/hash.ts";
import { createCart } from "../setup/fixtures.ts";

// The naive checkout's one statement writes nothing for input it refuses and hands back the lines
// it read; the 4xx must still name what was wrong, as the guarded checkout's does.

async function apiClient() {
  const client = await db.apiClient.create({ data: { name: "Naive refusals", keyHash: sha256(`test_key_${randomToken()}`) } });
  return { apiClientId: client.id, scope: apiScope(client.id) };
}

async function product(priceCents: number, currency = "usd") {
  const slug = `naive-${randomToken().slice(0, 8)}`;
  await db.product.create({ data: { slug, name: "Test product", description: "A test product", priceCents, currency, image: "/x.svg" } });
  return slug;
}

async function naiveItems(items: { slug: string; quantity: number }[]) {
  const { apiClientId, scope } = await apiClient();
  const result = await naiveCheckout({ scope, paymentMethod: "pm_card_visa", source: { kind: "items", apiClientId, items } });
  return { result, orders: await db.order.count({ where: { scope } }) };
}

describe("the naive checkout refuses what the guarded one refuses, with the same 4xx, and writes nothing", () => {
  it("an unknown product: 400 unknown_product, naming it", async () => {
    const { result, orders } = await naiveItems([{ slug: "stoneware-mug", quantity: 1 }, { slug: "no-such-thing", quantity: 1 }]);
    expect(result).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", code: "unknown_product", message: "Unknown product: no-such-thing" } } });
    expect(orders).toBe(0);
  });

  it("a quantity over the cap (merged across lines): 400 quantity_too_large", async () => {
    const { result, orders } = await naiveItems([{ slug: "stoneware-mug", quantity: 60 }, { slug: "stoneware-mug", quantity: 60 }]);
    expect(result).toMatchObject({ status: 400, body: { error: { code: "quantity_too_large" } } });
    expect(orders).toBe(0);
  });

  it("two currencies: 400 mixed_currency", async () => {
    const { result, orders } = await naiveItems([{ slug: "stoneware-mug", quantity: 1 }, { slug: await product(500, "eur"), quantity: 1 }]);
    expect(result).toMatchObject({ status: 400, body: { error: { code: "mixed_currency" } } });
    expect(orders).toBe(0);
  });

  it("a total past the limit: 400 amount_too_large", async () => {
    const { result, orders } = await naiveItems([{ slug: await product(30_000_000), quantity: 4 }]);
    expect(result).toMatchObject({ status: 400, body: { error: { code: "amount_too_large" } } });
    expect(orders).toBe(0);
  });

  it("an empty cart, and a cart that no longer exists (no lines either way): 400 empty_cart", async () => {
    const empty = await createCart({});
    const gone = { id: randomUUID(), version: 1 };
    for (const cart of [empty, gone]) {
      const result = await naiveCheckout({ scope: cartScope(cart.id), paymentMethod: "pm_card_visa", source: { kind: "cart", cartId: cart.id, cartVersion: cart.version } });
      expect(result).toMatchObject({ status: 400, body: { error: { code: "empty_cart", message: "Your cart is empty" } } });
      expect(await db.order.count({ where: { scope: cartScope(cart.id) } })).toBe(0);
    }
  });
});
