import { setTimeout as sleep } from "node:timers/promises";
import type { Tx } from "@/lib/db.ts";
import { CheckoutRejected } from "@/lib/checkout/errors.ts";
import { MAX_QUANTITY } from "@/lib/cart.ts";
import { MAX_AMOUNT_CENTS } from "@/lib/limits.ts";
import { normaliseItems, type CheckoutRequest, type CheckoutSource } from "@/lib/checkout/request.ts";
import { guaranteeOff } from "@/lib/test-hooks.ts";

export type Line = { productId: string; slug: string; name: string; unitPriceCents: number; quantity: number; currency: string };

/**
 * Creates the order for a claimed key, or finds the one that already exists for this logical
 * checkout: the same key in the same scope (its idempotency record may have been purged), or
 * the same cart version under another key (two tabs). Inserting with ON CONFLICT DO NOTHING
 * keeps the transaction usable when a constraint says "already there".
 */
export async function createOrFindOrder(tx: Tx, request: CheckoutRequest): Promise<string> {
  // A cart looks first: another tab may have placed this cart version under its own key, and the
  // cart has moved on since, so pricing it now would fail. An API request needs no look: the
  // insert's ON CONFLICT finds a purged key's order below.
  if (request.source.kind === "cart") {
    const existing = await findExistingOrder(tx, request);
    if (existing) return existing;
  }

  const lines = await orderLines(tx, request.source);
  const [order] = await tx.order.createManyAndReturn({
    data: [{
      scope: request.scope,
      idempotencyKey: request.key,
      paymentMethod: request.paymentMethod,
      ...totals(lines),
      ...(request.source.kind === "cart"
        ? { cartId: request.source.cartId, cartVersion: request.source.cartVersion }
        : { apiClientId: request.source.apiClientId }),
    }],
    skipDuplicates: true,
    select: { id: true },
  });
  // Lost a race on one of the unique constraints: the winner's order is this checkout's order.
  if (!order) return (await findExistingOrder(tx, request))!;

  await tx.orderItem.createMany({ data: lines.map(({ currency: _currency, ...line }) => ({ ...line, orderId: order.id })) });
  return order.id;
}

/** The order's lines, priced from the database; a cart must still be at the version asked for. */
export function orderLines(tx: Tx, source: CheckoutSource | { kind: "cart"; cartId: string; cartVersion: null }): Promise<Line[]> {
  return source.kind === "cart" ? cartLines(tx, source) : itemLines(tx, source.items);
}

export function totals(lines: Line[]): { currency: string; totalCents: number } {
  const currency = lines[0]!.currency;
  if (lines.some((line) => line.currency !== currency)) throw new CheckoutRejected(400, "mixed_currency", "All items of an order must share one currency");
  const totalCents = lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
  // Refused before the order is written: Stripe would refuse to charge it, and past 2^31 - 1
  // the database would refuse to store it (a 500 after the claim).
  if (totalCents > MAX_AMOUNT_CENTS) throw new CheckoutRejected(400, "amount_too_large", `An order may total at most ${MAX_AMOUNT_CENTS} cents`);
  return { currency, totalCents };
}

async function findExistingOrder(tx: Tx, request: CheckoutRequest): Promise<string | null> {
  const { source } = request;
  const order = await tx.order.findFirst({
    where: {
      OR: [
        { scope: request.scope, idempotencyKey: request.key },
        ...(source.kind === "cart" ? [{ cartId: source.cartId, cartVersion: source.cartVersion }] : []),
      ],
    },
    select: { id: true },
  });
  return order?.id ?? null;
}

type CartRow = { version: number; quantity: number | null; productId: string | null; slug: string | null; name: string | null; priceCents: number | null; currency: string | null };

/**
 * The cart's version and its lines with their prices, read in ONE statement: under READ
 * COMMITTED each statement sees its own snapshot, so reading the cart, then its items, then
 * their products in three could mix two versions (a cart edit committing in between) and write
 * an order for version v holding version v+1's lines. One statement is one snapshot: the lines
 * are exactly those of the version it returns, and that version must be the one asked for.
 * (The hot path reads them in its look statement, lib/checkout/statements/look-up.ts.)
 */
async function cartLines(tx: Tx, source: { cartId: string; cartVersion: number | null }): Promise<Line[]> {
  if (guaranteeOff("torn_cart_read")) return tornCartLines(tx, source);
  const rows = await tx.$queryRaw<CartRow[]>`
    SELECT c.version, i.quantity, p.id AS "productId", p.slug, p.name, p."priceCents", p.currency
    FROM "Cart" c
    LEFT JOIN "CartItem" i ON i."cartId" = c.id
    LEFT JOIN "Product" p ON p.id = i."productId"
    WHERE c.id = ${source.cartId}
    ORDER BY p.slug`;
  const lines = rows.filter((row): row is CartRow & { [K in keyof CartRow]: NonNullable<CartRow[K]> } => row.productId !== null);
  return checkCartLines(source, rows[0]?.version ?? null, lines.map(({ productId, slug, name, priceCents, currency, quantity }) => ({ productId, slug, name, unitPriceCents: priceCents, currency, quantity })));
}

/** A cart's lines may be ordered only if the cart exists, is still at the version asked for (any, when null), and is not empty. */
export function checkCartLines(source: { cartVersion: number | null }, version: number | null, lines: Line[]): Line[] {
  checkCartVersion(source, version);
  return checkCartNotEmpty(lines);
}

/** A cart with no lines orders nothing. */
export function checkCartNotEmpty(lines: Line[]): Line[] {
  if (lines.length === 0) throw new CheckoutRejected(400, "empty_cart", "Your cart is empty");
  return lines;
}

function checkCartVersion(source: { cartVersion: number | null }, version: number | null): asserts version is number {
  if (version === null) throw new CheckoutRejected(404, "cart_not_found", "This cart no longer exists");
  if (source.cartVersion !== null && version !== source.cartVersion) {
    throw new CheckoutRejected(409, "cart_changed", "Your cart changed since the checkout page opened. Review it and pay again.");
  }
}

/** How many milliseconds the torn read waits between its statements: wide enough for a racing cart edit to land. */
export const TORN_READ_WINDOW_MS = 500;

/**
 * The old read, for the campaign's switch `torn_cart_read` only (lib/test-hooks.ts): the version,
 * then the lines, in two statements, each with its own READ COMMITTED snapshot. The window between
 * them, a few microseconds in the old code, is widened so that a short campaign's cart edits
 * racing a checkout land in it: the order then names version v and holds version v+1's lines.
 */
async function tornCartLines(tx: Tx, source: { cartId: string; cartVersion: number | null }): Promise<Line[]> {
  const cart = await tx.cart.findUnique({ where: { id: source.cartId }, select: { version: true } });
  const version = cart?.version ?? null;
  checkCartVersion(source, version);
  await sleep(TORN_READ_WINDOW_MS);
  const items = await tx.cartItem.findMany({ where: { cartId: source.cartId }, select: { quantity: true, product: true }, orderBy: { product: { slug: "asc" } } });
  return checkCartLines(source, version, items.map(({ quantity, product }) => ({ productId: product.id, slug: product.slug, name: product.name, unitPriceCents: product.priceCents, currency: product.currency, quantity })));
}

async function itemLines(tx: Tx, items: { slug: string; quantity: number }[]): Promise<Line[]> {
  const products = await tx.product.findMany({ where: { slug: { in: items.map((item) => item.slug) } }, orderBy: { slug: "asc" } });
  const quantities = new Map(normaliseItems(items).map((item) => [item.slug, item.quantity]));
  return checkItemLines(items, products.map((p) => ({ productId: p.id, slug: p.slug, name: p.name, unitPriceCents: p.priceCents, currency: p.currency, quantity: quantities.get(p.slug) ?? 0 })));
}

/** The lines asked for, as priced from the database (`found`: one per known slug, merged quantities). */
export function checkItemLines(items: { slug: string; quantity: number }[], found: Line[]): Line[] {
  const wanted = normaliseItems(items);
  const tooMany = wanted.find((item) => item.quantity > MAX_QUANTITY);
  if (tooMany) throw new CheckoutRejected(400, "quantity_too_large", `At most ${MAX_QUANTITY} of "${tooMany.slug}" per order`);
  const known = new Set(found.map((line) => line.slug));
  const unknown = wanted.filter((item) => !known.has(item.slug)).map((item) => item.slug);
  if (unknown.length > 0) throw new CheckoutRejected(400, "unknown_product", `Unknown product: ${unknown.join(", ")}`);
  return found;
}
