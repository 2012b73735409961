import { z } from "zod";
import { MAX_QUANTITY } from "@/lib/cart.ts";
import { idempotencyKeySchema } from "@/lib/idempotency.ts";
import { formInteger } from "@/lib/limits.ts";
import { paymentMethodSchema, type PaymentMethodId } from "@/lib/payments/payment-methods.ts";
import type { ResolvedCaller } from "@/lib/checkout/statements/caller.ts";

/** The body of POST /api/checkout. Prices are never accepted from a client. */
export const apiCheckoutBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        slug: z.string().trim().min(1).max(100),
        quantity: z.number().int("quantity must be a whole number").min(1, "quantity must be at least 1").max(MAX_QUANTITY, `quantity must be at most ${MAX_QUANTITY}`),
      }),
    )
    .min(1, "The order has no items")
    .max(50, "At most 50 lines per order"),
  paymentMethod: paymentMethodSchema,
});

/** What the checkout page's form posts to the placeOrder server action. */
export const placeOrderForm = z.object({
  idempotencyKey: idempotencyKeySchema,
  // A cart's version is an `integer` column: a larger number is a 400 here, not a database error.
  cartVersion: formInteger("cartVersion"),
  paymentMethod: paymentMethodSchema,
});

export type CheckoutSource =
  | { kind: "cart"; cartId: string; cartVersion: number }
  | { kind: "items"; apiClientId: string; items: z.infer<typeof apiCheckoutBody>["items"] };

export type CheckoutRequest = { scope: string; key: string; paymentMethod: PaymentMethodId; source: CheckoutSource };

/**
 * POST /api/checkout as it arrives: the caller named by its API key, not yet authenticated. The
 * look authenticates it in its own statement (lib/checkout/statements/caller.ts) and turns it into
 * a CheckoutRequest; an unknown key is checkout()'s `unauthenticated` answer.
 */
export type ApiKeyRequest = { apiKey: string; key: string; paymentMethod: PaymentMethodId; items: z.infer<typeof apiCheckoutBody>["items"] };

/** What checkout() takes: a cart session's request (scope known) or an API request (key to check). */
export type CheckoutInput = CheckoutRequest | ApiKeyRequest;

export const isApiKeyRequest = (input: CheckoutInput): input is ApiKeyRequest => "apiKey" in input;

/** The request as the look resolved its caller: an API request takes its client's id and scope. */
export function requestFor(input: CheckoutInput, caller: ResolvedCaller): CheckoutRequest {
  if (!isApiKeyRequest(input)) return input;
  if (caller.id === null) throw new Error("The look resolved an API key to a caller without a client id");
  return { scope: apiScope(caller.id), key: input.key, paymentMethod: input.paymentMethod, source: { kind: "items", apiClientId: caller.id, items: input.items } };
}

/** The API key of an `Authorization: Bearer <key>` header; null when missing or malformed (a 401 with no database round trip). */
export function bearerKey(authorization: string | null): string | null {
  const match = /^Bearer\s+(\S{8,200})$/.exec(authorization ?? "");
  return match?.[1] ?? null;
}

export const cartScope = (cartId: string) => `cart:${cartId}`;
export const apiScope = (apiClientId: string) => `api:${apiClientId}`;

/** Duplicate lines merged and sorted, so that equal orders have equal fingerprints. */
export function normaliseItems(items: { slug: string; quantity: number }[]) {
  const merged = new Map<string, number>();
  for (const { slug, quantity } of items) merged.set(slug, (merged.get(slug) ?? 0) + quantity);
  return [...merged].sort(([a], [b]) => a.localeCompare(b)).map(([slug, quantity]) => ({ slug, quantity }));
}

/**
 * What "the same request" means. A cart checkout is named by its cart version (the scope holds
 * the cart id, and a version never changes its contents), an API checkout by its items.
 */
export function requestMeaning(request: CheckoutRequest | ApiKeyRequest): unknown {
  if (isApiKeyRequest(request)) return { items: normaliseItems(request.items), paymentMethod: request.paymentMethod };
  const { source, paymentMethod } = request;
  return source.kind === "cart" ? { cartVersion: source.cartVersion, paymentMethod } : { items: normaliseItems(source.items), paymentMethod };
}
