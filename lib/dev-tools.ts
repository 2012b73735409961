import { env, stripeEndpoint } from "@/lib/env.ts";

/**
 * The teaching lab (/lab) and the operator dashboard (/admin): open in development and in demo
 * mode (DEMO_MODE=1), absent from a production build otherwise — they show every shopper's
 * traffic and can inject faults.
 */
export function devToolsEnabled(): boolean {
  return process.env.NODE_ENV !== "production" || env().DEMO_MODE;
}

/** The lab drives the local payments server's fault controls, which real Stripe does not have. */
export function labPaymentsUrl(): string | null {
  const endpoint = stripeEndpoint();
  return endpoint ? endpoint.origin : null;
}
