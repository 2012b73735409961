import { expect, test } from "./fixtures.ts";
import { MUG, SCOOP } from "./support/shop-page.ts";

test.describe("Happy path", () => {
  test("a shopper browses, fills a cart, pays once and gets one paid order and one confirmation", async ({ page, shop, records, payments }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await page.getByRole("link", { name: MUG.name }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: MUG.name })).toBeVisible();

    const cartId = await shop.fillCart(MUG, SCOOP);

    await page.goto("/cart");
    await expect(page.getByText(MUG.name)).toBeVisible();
    await expect(page.getByText(SCOOP.name)).toBeVisible();
    await page.getByRole("link", { name: "Proceed to checkout" }).click();

    await expect(shop.payButton()).toHaveText("Pay $30.00");
    const key = await shop.idempotencyKey();
    await shop.payButton().click();
    const orderId = await shop.expectOrderPage("Paid");

    const mailbox = await shop.openMailbox();
    await expect(mailbox).toHaveCount(1);
    await expect(mailbox).toContainText(orderId);
    await expect(mailbox.getByTestId("message-deliveries")).toHaveText("Delivered once");

    await records.expectOnePaidOrder(cartId, { id: orderId, key });
    expect(await payments.forCart(cartId)).toMatchObject({ paymentIntents: 1, charges: 1, capturedAmount: 3000 });
  });
});
