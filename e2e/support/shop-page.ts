import { expect, type Page } from "@playwright/test";

/** The shop as a shopper uses it: by role and visible text only. */
export class ShopPage {
  constructor(readonly page: Page) {}

  async addToCart(slug: string, productName: string) {
    await this.page.goto(`/products/${slug}`);
    await expect(this.page.getByRole("heading", { level: 1, name: productName })).toBeVisible();
    await this.page.getByRole("button", { name: "Add to cart" }).click();
    await expect(this.page.getByRole("status").filter({ hasText: /Added/ })).toBeVisible();
  }

  async openCheckout() {
    await this.page.goto("/checkout");
    await expect(this.page.getByRole("heading", { level: 1, name: "Checkout" })).toBeVisible();
    await expect(this.payButton()).toBeEnabled();
  }

  async choosePaymentMethod(label: string | RegExp) {
    await this.page.getByRole("radio", { name: label }).check();
  }

  payButton() {
    return this.page.getByRole("button", { name: /^(Pay|Try again)/ });
  }

  async expectOrderPage(status: "Paid" | "Processing" | "Failed" | "Refunded" | "Pending") {
    await expect(this.page).toHaveURL(/\/orders\/[\w-]+$/);
    await expect(this.page.getByText(status, { exact: true }).first()).toBeVisible();
    return this.page.url().split("/orders/")[1]!;
  }

  /** The cart id behind this browser's cookie (test endpoint), to count its payments. */
  async cartId(): Promise<string> {
    const response = await this.page.request.get("/api/test/session");
    const { cartId } = (await response.json()) as { cartId: string | null };
    if (!cartId) throw new Error("This browser has no cart yet");
    return cartId;
  }
}
