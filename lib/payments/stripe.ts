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

export { Stripe };
