import { expect, test } from "./fixtures.ts";
import { paymentsForCart, shopState } from "./support/observers.ts";

test.describe("Happy path", () => {
  test("a shopper browses, fills a cart, pays once and gets one paid order and one confirmation", async ({ page, shop }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await page.getByRole("link", { name: "Stoneware Mug" }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: "Stoneware Mug" })).toBeVisible();

    await shop.addToCart("stoneware-mug", "Stoneware Mug");
    await shop.addToCart("brass-scoop", "Brass Coffee Scoop");
    const cartId = await shop.cartId();

    await page.goto("/cart");
    await expect(page.getByText("Stoneware Mug")).toBeVisible();
    await expect(page.getByText("Brass Coffee Scoop")).toBeVisible();
    await page.getByRole("link", { name: "Proceed to checkout" }).click();

    await expect(shop.payButton()).toHaveText("Pay $30.00");
    await shop.payButton().click();
    const orderId = await shop.expectOrderPage("Paid");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mailbox" }).click();
    await expect(page.getByRole("article")).toHaveCount(1);
    await expect(page.getByRole("article")).toContainText(orderId);

    const state = await shopState(page.request, { cartId });
    expect(state.orders).toHaveLength(1);
    expect(state.orders[0]).toMatchObject({ id: orderId, status: "paid", messages: [{ kind: "order_confirmation" }] });
    expect(await paymentsForCart(page.request, cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 3000 });
  });
});
