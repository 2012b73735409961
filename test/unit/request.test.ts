import { describe, expect, it } from "vitest";
import { apiCheckoutBody, normaliseItems, placeOrderForm, requestMeaning } from "@/lib/checkout/request.ts";
import { fingerprint, idempotencyKeySchema } from "@/lib/idempotency.ts";

describe("what counts as the same request", () => {
  it("fingerprints by meaning, not by property or line order", () => {
    const a = { items: [{ slug: "b", quantity: 1 }, { slug: "a", quantity: 2 }], paymentMethod: "pm_card_visa" };
    const b = { paymentMethod: "pm_card_visa", items: [{ quantity: 2, slug: "a" }, { slug: "b", quantity: 1 }] };
    const meaning = (body: typeof a) => requestMeaning({ scope: "s", key: "k", paymentMethod: "pm_card_visa", source: { kind: "items", apiClientId: "c", items: body.items } });
    expect(fingerprint(meaning(a))).toBe(fingerprint(meaning(b)));
    expect(fingerprint(meaning(a))).not.toBe(fingerprint(meaning({ ...a, items: [{ slug: "a", quantity: 3 }] })));
  });

  it("merges repeated lines of one product", () => {
    expect(normaliseItems([{ slug: "mug", quantity: 1 }, { slug: "cup", quantity: 1 }, { slug: "mug", quantity: 2 }])).toEqual([
      { slug: "cup", quantity: 1 },
      { slug: "mug", quantity: 3 },
    ]);
  });

  it("names a cart checkout by its cart version and payment method", () => {
    const meaning = (cartVersion: number, paymentMethod: "pm_card_visa" | "pm_card_chargeDeclined") =>
      fingerprint(requestMeaning({ scope: "cart:1", key: "k", paymentMethod, source: { kind: "cart", cartId: "1", cartVersion } }));
    expect(meaning(3, "pm_card_visa")).toBe(meaning(3, "pm_card_visa"));
    expect(meaning(3, "pm_card_visa")).not.toBe(meaning(4, "pm_card_visa"));
    expect(meaning(3, "pm_card_visa")).not.toBe(meaning(3, "pm_card_chargeDeclined"));
  });
});

describe("input validation at the boundary", () => {
  it.each([
    ["", /empty/],
    ["x".repeat(256), /255/],
    ["has space", /printable/],
    ["tab\there", /printable/],
    ["naïve", /printable/],
  ])("refuses the idempotency key %j", (key, message) => {
    const result = idempotencyKeySchema.safeParse(key);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it("accepts a UUID and any printable key up to 255 characters", () => {
    expect(idempotencyKeySchema.safeParse(crypto.randomUUID()).success).toBe(true);
    expect(idempotencyKeySchema.safeParse("k".repeat(255)).success).toBe(true);
  });

  it("validates the placeOrder form like an API body", () => {
    expect(placeOrderForm.safeParse({ idempotencyKey: crypto.randomUUID(), cartVersion: "4", paymentMethod: "pm_card_visa" })).toMatchObject({ success: true, data: { cartVersion: 4 } });
    expect(placeOrderForm.safeParse({ idempotencyKey: crypto.randomUUID(), cartVersion: "-1", paymentMethod: "pm_card_visa" }).success).toBe(false);
    expect(placeOrderForm.safeParse({ idempotencyKey: crypto.randomUUID(), cartVersion: "1", paymentMethod: "pm_card_free_money" }).success).toBe(false);
    expect(placeOrderForm.safeParse({ cartVersion: "1", paymentMethod: "pm_card_visa" }).success).toBe(false);
  });

  it("refuses unknown fields in an API body, so a client can never send a price", () => {
    expect(apiCheckoutBody.safeParse({ items: [{ slug: "mug", quantity: 1 }], paymentMethod: "pm_card_visa", totalCents: 1 }).success).toBe(false);
  });
});
