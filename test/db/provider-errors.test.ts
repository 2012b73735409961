import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkout } from "@/lib/checkout/checkout.ts";
import { db } from "@/lib/db.ts";
import { createCart, fromCart } from "../setup/fixtures.ts";
import { addFault, paymentIntentsForCart, statsForCart } from "../setup/payments.ts";

/** Stripe answers the order's first create with a 500 it saves under the key: every replay of that key is the same 500. */
const savedServerError = (cartId: string) => addFault({ metadata: { cartId } }, { kind: "error_while_executing" }, 1);

describe("a provider error saved under the order's Stripe key", () => {
  it("does not strand the order: the shopper's retry with the same key ends in one paid order and one charge", async () => {
    const cart = await createCart();
    const key = randomUUID();
    await savedServerError(cart.id);

    const first = await checkout(fromCart(cart, key));
    const retry = first.status === 201 ? first : await checkout(fromCart(cart, key));
    expect(retry).toMatchObject({ status: 201, body: { order: { status: "paid" } } });

    const orders = await db.order.findMany({ where: { cartId: cart.id } });
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: "paid", attempt: 2 });
    expect(await statsForCart(cart.id)).toMatchObject({ paymentIntents: 1, charges: 1 });
    // The saved 500 created nothing; the one PaymentIntent is the second attempt's, under its own key.
    expect(await paymentIntentsForCart(cart.id)).toEqual([expect.objectContaining({ status: "succeeded" })]);
  });
});
