import { expect, type Page, type Request } from "@playwright/test";

export type OrderStatus = "Paid" | "Processing" | "Failed" | "Refunded" | "Pending";
export type Product = { slug: string; name: string };

export const MUG: Product = { slug: "stoneware-mug", name: "Stoneware Mug" };
export const SCOOP: Product = { slug: "brass-scoop", name: "Brass Coffee Scoop" };
export const NOTEBOOK: Product = { slug: "dot-grid-notebook", name: "Dot-Grid Notebook A5" };
export const BEANS: Product = { slug: "single-origin-beans", name: "Single-Origin Beans, 250 g" };

/** The shop as a shopper uses it: by role and visible text (test ids only for the key on display). */
export class ShopPage {
  constructor(readonly page: Page) {}

  async addToCart({ slug, name }: Product) {
    await this.page.goto(`/products/${slug}`);
    await expect(this.page.getByRole("heading", { level: 1, name })).toBeVisible();
    await this.page.getByRole("button", { name: "Add to cart" }).click();
    await expect(this.page.getByRole("status").filter({ hasText: /Added/ })).toBeVisible();
  }

  /** Adds the products and returns the cart's id, to count its orders and payments. */
  async fillCart(...products: Product[]): Promise<string> {
    for (const product of products) await this.addToCart(product);
    return this.cartId();
  }

  async openCheckout() {
    await this.page.goto("/checkout");
    await this.expectCheckoutReady();
  }

  async expectCheckoutReady() {
    await expect(this.page.getByRole("heading", { level: 1, name: "Checkout" })).toBeVisible();
    await expect(this.payButton()).toBeEnabled();
  }

  async choosePaymentMethod(label: string | RegExp) {
    await this.page.getByRole("radio", { name: label }).check();
  }

  payButton() {
    return this.page.getByRole("button", { name: /^(Pay|Try again)/ });
  }

  /** Offered when a payment this browser sent never got its answer. */
  retryButton() {
    return this.page.getByRole("button", { name: "Check / retry your payment" });
  }

  /** "Check / retry your payment", after checking the page still holds the key the first attempt sent. */
  async retryWithSameKey(key: string) {
    expect(await this.idempotencyKey()).toBe(key);
    await this.retryButton().click();
  }

  /** The alert that says `text` (there may be others, e.g. Next.js's route announcer). */
  alert(text: string | RegExp) {
    return this.page.getByRole("alert").filter({ hasText: text });
  }

  /** The idempotency key the checkout will send (shown in the "Idempotency key" note). */
  async idempotencyKey(): Promise<string> {
    const key = await this.page.getByRole("complementary", { name: "Idempotency key" }).getByTestId("idempotency-key").getAttribute("data-key");
    if (!key) throw new Error("The checkout shows no idempotency key");
    return key;
  }

  /**
   * Five submits of the Pay form in one tick, the way a frantic shopper's clicks or a script
   * would land before the page can disable its button: `requestSubmit()` ignores `disabled`.
   */
  async burstSubmit(times = 5) {
    await this.payButton().evaluate((button, n) => {
      const form = (button as HTMLButtonElement).form!;
      for (let i = 0; i < n; i++) form.requestSubmit();
    }, times);
  }

  async expectOrderPage(status: OrderStatus): Promise<string> {
    await expect(this.page).toHaveURL(/\/orders\/[\w-]+$/);
    await expect(this.page.getByTestId("order-status")).toHaveText(status);
    return this.page.url().split("/orders/")[1]!;
  }

  /** The confirmations in this shopper's mailbox. */
  async openMailbox() {
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mailbox" }).click();
    await expect(this.page.getByRole("heading", { level: 1, name: "Mailbox" })).toBeVisible();
    return this.page.getByRole("article");
  }

  /** The cart id behind this browser's cookie (test endpoint), to count its payments. */
  async cartId(): Promise<string> {
    const response = await this.page.request.get("/api/test/session");
    const { cartId } = (await response.json()) as { cartId: string | null };
    if (!cartId) throw new Error("This browser has no cart yet");
    return cartId;
  }

  /** Records every checkout request (server action POST) this page sends from now on. */
  recordCheckoutRequests(): Request[] {
    const sent: Request[] = [];
    this.page.on("request", (request) => {
      if (request.method() === "POST" && request.headers()["next-action"] && new URL(request.url()).pathname.startsWith("/checkout")) sent.push(request);
    });
    return sent;
  }
}
