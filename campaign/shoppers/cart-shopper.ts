import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Copy } from "../log-schema.ts";
import type { CheckoutPlan, ShopperPlan, Via } from "../plan.ts";
import { sessionCookie, type ActionName } from "./actions.ts";
import { followOrder, submitUntilAnswered } from "./checkout-loop.ts";
import { baseUrl, type ShopperContext } from "./context.ts";
import { exchange, jsonMeaning, type Meaning, type Reply } from "./http.ts";

const CartView = z.object({
  id: z.string(),
  version: z.number().int(),
  items: z.array(z.object({ slug: z.string(), quantity: z.number().int(), priceCents: z.number().int() })),
});
type CartView = z.infer<typeof CartView>;
const CartAnswer = z.union([z.object({ ok: z.literal(true), cart: CartView }), z.object({ ok: z.literal(false), message: z.string() })]);
const PlaceOrderState = z.object({
  error: z.object({ code: z.string().optional(), type: z.string().optional() }).optional(),
  failedOrderId: z.string().optional(),
  retrySafe: z.boolean().optional(),
});
const RefundBody = z.object({ order: z.object({ id: z.string(), status: z.string() }).optional(), error: z.object({ code: z.string().optional(), type: z.string() }).optional() });

/**
 * A browser's cart session, driven over HTTP: it adds to its cart and pays through the server
 * actions (as the pages' forms call them), reads its cart as the pages do (GET /api/cart), and
 * keeps one cookie. Every cart it is shown goes to the client log: the checker compares each
 * order's lines with the version it names.
 */
export async function runCartShopper(context: ShopperContext, shopper: ShopperPlan): Promise<void> {
  const session = new CartSession(context, shopper);
  for (const checkout of shopper.checkouts) {
    if (context.stopping()) return;
    await session.checkout(checkout);
    context.progress.finished++;
  }
}

class CartSession {
  private cookie: string | null = null;
  private cart: CartView | null = null;
  /** The shopper as the log names it: a lost cookie (an answer that never arrived) starts a new cart, a new scope. */
  private label: string;
  private generation = 1;

  constructor(
    private readonly context: ShopperContext,
    private readonly shopper: ShopperPlan,
  ) {
    this.label = shopper.id;
  }

  private get log() {
    return this.context.log;
  }

  /** Records a cart the shopper was shown, and who they are once the cart exists. */
  private shown(cart: CartView, requestId: number): void {
    if (!cart.id) return;
    if (this.cart && this.cart.id !== cart.id) this.label = `${this.shopper.id}/${++this.generation}`;
    if (this.cart?.id !== cart.id) this.log.identity({ shopper: this.label, scope: `cart:${cart.id}` });
    this.cart = cart;
    this.log.cartView({ id: requestId, shopper: this.label, cartId: cart.id, version: cart.version, lines: cart.items.map((item) => ({ slug: item.slug, quantity: item.quantity, unitPriceCents: item.priceCents })) });
  }

  private keep(reply: Reply): void {
    this.cookie = sessionCookie(reply.headers) ?? this.cookie;
  }

  /** One server action call; `read` turns its decoded value into what the shopper was told. */
  private async action(name: ActionName, args: unknown[], entry: { op: "add_to_cart" | "set_quantity" | "place_order" | "refund"; copy: Copy; via: Via | "instance"; n: number; base: string; key?: string; cartVersion?: number; orderId?: string; paymentMethod?: string; abandonAfterMs?: number }, read: (decoded: { redirect: string } | { value: unknown }) => Meaning) {
    const { base, ...logged } = entry;
    const { path, init } = await this.context.actions.request(name, args, base, this.cookie, entry.orderId);
    return exchange(this.log, { shopper: this.label, ...logged }, { url: `${base}${path}`, init }, async (reply) => {
      this.keep(reply);
      if (reply.status !== 200 && reply.status !== 303) return { told: reply.status! >= 500 ? "error" : "rejected", code: `http_${reply.status}` };
      return read(await this.context.actions.decode(reply.status!, reply.headers!, reply.text));
    });
  }

  private async editCart(name: "addToCart" | "setQuantity", slug: string, quantity: number, n: number, copy: Copy): Promise<void> {
    let pending: CartView | null = null;
    const { id } = await this.action(name, [slug, quantity], { op: name === "addToCart" ? "add_to_cart" : "set_quantity", copy, via: "lb", n, base: this.context.urls.lb }, (decoded) => {
      if (!("value" in decoded)) return { told: "rejected", code: "unexpected_redirect" };
      const answer = CartAnswer.parse(decoded.value);
      if (!answer.ok) return { told: "rejected", code: answer.message.slice(0, 80) };
      pending = answer.cart;
      return { told: "cart" };
    });
    if (pending) this.shown(pending, id);
  }

  private async readCart(n: number, copy: Copy): Promise<void> {
    let view: CartView | null = null;
    const { id } = await exchange(this.log, { shopper: this.label, op: "cart", copy, via: "lb", n }, { url: `${this.context.urls.lb}/api/cart`, init: { headers: this.cookie ? { Cookie: this.cookie } : {} } }, (reply) => {
      view = CartView.parse(JSON.parse(reply.text));
      return { told: "cart" };
    });
    if (view) this.shown(view, id);
  }

  async checkout(checkout: CheckoutPlan): Promise<void> {
    // Browse and fill the cart (each answer shows the cart at its new version), then open the checkout page.
    for (const item of checkout.items) await this.editCart("addToCart", item.slug, item.quantity, checkout.n, "browse");
    await this.readCart(checkout.n, "browse");
    const cart = this.cart;
    if (!cart || cart.items.length === 0) return;
    await sleep(checkout.thinkMs);
    this.context.progress.started++;
    await this.context.payments.armForCheckout(this.label, checkout, { cartId: cart.id });

    const pay = (key: string, copy: Copy, abandonAfterMs?: number) => this.placeOrder(checkout, key, cart.version, copy, abandonAfterMs);
    const alongside = Promise.all([
      checkout.secondTab ? sleep(checkout.secondTab.delayMs).then(() => pay(checkout.secondTab!.key, "second_tab")) : null,
      checkout.editRace ? sleep(checkout.editRace.delayMs).then(() => this.editCart("setQuantity", checkout.editRace!.slug, checkout.editRace!.quantity, checkout.n, "edit_race")) : null,
    ]);
    let answer = await submitUntilAnswered(checkout, (copy, abandonAfterMs) => pay(checkout.key, copy, abandonAfterMs), { alongside, idempotencyTtlMs: this.context.idempotencyTtlMs, later: this.context.later });
    if (answer.orderId) answer = await followOrder(answer, () => this.readOrder(answer.orderId!, checkout.n));
    // The order page (or the checkout page after a failure) reads the cart again.
    await this.readCart(checkout.n, "browse");
    if (checkout.refund && answer.orderId && answer.told === "paid") await this.refund(checkout, answer.orderId);
  }

  private async placeOrder(checkout: CheckoutPlan, key: string, cartVersion: number, copy: Copy, abandonAfterMs?: number): Promise<Meaning> {
    const form = new FormData();
    form.set("idempotencyKey", key);
    form.set("cartVersion", String(cartVersion));
    form.set("paymentMethod", checkout.paymentMethod);
    const base = baseUrl(this.context, checkout.via);
    const { meaning } = await this.action("placeOrder", [{}, form], { op: "place_order", copy, via: checkout.via, n: checkout.n, base, key, cartVersion, paymentMethod: checkout.paymentMethod, ...(abandonAfterMs !== undefined && { abandonAfterMs }) }, (decoded) => {
      if ("redirect" in decoded) {
        const orderId = /^\/orders\/([^/?#]+)/.exec(decoded.redirect)?.[1];
        return orderId ? { told: "placed", orderId } : { told: "error", code: `redirect ${decoded.redirect}` };
      }
      const state = PlaceOrderState.parse(decoded.value ?? {});
      const code = state.error?.code ?? state.error?.type;
      if (state.failedOrderId) return { told: "failed", orderId: state.failedOrderId, ...(code && { code }) };
      const told = code === "payment_status_unknown" ? "unknown" : code === "idempotency_key_in_use" ? "in_flight" : code === "idempotency_key_reused" ? "mismatch" : "rejected";
      return { told, ...(code && { code }) };
    });
    return meaning;
  }

  private async readOrder(orderId: string, n: number): Promise<Meaning> {
    return (await exchange(this.log, { shopper: this.label, op: "order", copy: "poll", via: "lb", n, orderId }, { url: `${this.context.urls.lb}/api/orders/${orderId}`, init: { headers: this.cookie ? { Cookie: this.cookie } : {} } }, jsonMeaning)).meaning;
  }

  /** The order page's Refund button, double-clicked with the two clicks reaching two instances. */
  private async refund(checkout: CheckoutPlan, orderId: string): Promise<void> {
    const instances = this.context.instanceUrls();
    const bases = checkout.refund!.clicks === 2 && instances.length >= 2 ? [instances[checkout.n % instances.length]!, instances[(checkout.n + 1) % instances.length]!] : [this.context.urls.lb];
    const send = (base: string, copy: Copy) =>
      this.action("refundMyOrder", [orderId], { op: "refund", copy, via: base === this.context.urls.lb ? "lb" : "instance", n: checkout.n, base, orderId }, (decoded) => {
        if (!("value" in decoded)) return { told: "error", code: "unexpected_redirect" };
        const body = RefundBody.parse(decoded.value);
        if (body.order) return { told: body.order.status as Meaning["told"], orderId: body.order.id, ...(body.error?.code && { code: body.error.code }) };
        return { told: body.error?.type === "refund_status_unknown" ? "unknown" : "rejected", ...(body.error?.code && { code: body.error.code }) };
      });
    const answers = await Promise.all(bases.map((base, index) => send(base, index === 0 ? "first" : "refund_click")));
    if (answers.every(({ meaning }) => meaning.told === "none" || meaning.told === "unknown" || meaning.told === "error")) await send(this.context.urls.lb, "retry");
  }
}
