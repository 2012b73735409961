import Stripe from "stripe";
import { env, stripeEndpoint } from "@/lib/env.ts";

function createStripe(): Stripe {
  const config = env();
  const endpoint = stripeEndpoint(config);
  return new Stripe(config.STRIPE_SECRET_KEY, {
    // Transient failures (network, 409 key-in-use, 5xx) are retried by the SDK itself, always
    // with the idempotency key we pass: Stripe replays instead of charging twice.
    maxNetworkRetries: config.STRIPE_MAX_NETWORK_RETRIES,
    timeout: config.STRIPE_TIMEOUT_MS,
    appInfo: { name: "idempotent-checkout" },
    ...(endpoint && {
      protocol: endpoint.protocol.replace(":", "") as "http" | "https",
      host: endpoint.hostname,
      port: endpoint.port || (endpoint.protocol === "https:" ? 443 : 80),
    }),
  });
}

const globalForStripe = globalThis as unknown as { stripe?: Stripe };

/** The one Stripe client of this process: real Stripe, or the local payments server. */
export function stripe(): Stripe {
  globalForStripe.stripe ??= createStripe();
  return globalForStripe.stripe;
}

/**
 * A Stripe SDK error, recognised by its `type` (the class name: "StripeCardError", …), as Stripe's
 * docs do it, never by `instanceof`: Next.js bundles each route with its own copy of the SDK's
 * classes, and the one client kept on globalThis may have been made by another route's copy —
 * `instanceof` then fails and a declined card would look like an unknown outcome.
 */
export function asStripeError(error: unknown): Stripe.errors.StripeError | null {
  const type = error instanceof Error && "type" in error ? error.type : null;
  return typeof type === "string" && type.startsWith("Stripe") ? (error as Stripe.errors.StripeError) : null;
}

export { Stripe };
