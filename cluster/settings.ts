import { readEnv, type Env } from "../lib/env.ts";

/** Head-room for the database, the SDK's backoff between its retries, and a loaded machine. */
const MARGIN_MS = 10_000;

/**
 * The longest one request to an instance may take, from the configuration every instance runs
 * with: a server action waits up to CHECKOUT_WAIT_MS for a duplicate in flight, and its last
 * attempt may still call Stripe, each try up to STRIPE_TIMEOUT_MS, STRIPE_MAX_NETWORK_RETRIES + 1
 * tries. The load balancer must wait longer than that: a proxy that gives up first turns a
 * payment that is still being made into an error, and the shopper pays again.
 */
export function worstRequestMs(config: Env): number {
  return config.STRIPE_TIMEOUT_MS * (config.STRIPE_MAX_NETWORK_RETRIES + 1) + config.CHECKOUT_WAIT_MS + MARGIN_MS;
}

/** The configuration the instances will run with, read exactly as they will read it. */
export function instanceConfig(environment: Record<string, string | undefined>): Env {
  return readEnv(environment);
}
