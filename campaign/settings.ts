import type { Env } from "../lib/env.ts";

/**
 * How the campaign's cluster is configured: short timeouts so that faults resolve in seconds, a
 * short idempotency TTL so that the purge runs while shoppers still retry, the test endpoints on
 * (pause points, switches). Everything else is the shop's own defaults.
 */
export const CAMPAIGN_ENV = {
  LOG_LEVEL: "warn",
  ENABLE_TEST_ENDPOINTS: "1",
  STRIPE_TIMEOUT_MS: "1500",
  STRIPE_MAX_NETWORK_RETRIES: "1",
  CHECKOUT_LOCK_TIMEOUT_MS: "3000",
  CHECKOUT_WAIT_MS: "6000",
  IDEMPOTENCY_TTL_MS: "15000",
  MAINTENANCE_INTERVAL_MS: "1000",
  /** How long a checkout sits idle before the completer resumes it (the shop's default is minutes). */
  COMPLETER_IDLE_MS: "4000",
} as const;

/**
 * How long a relay's claim on outbox rows lasts (lib/mail/relay.ts RELAY_LEASE_MS, not imported:
 * that module opens the shop's database client on import), plus its pass interval (RELAY_INTERVAL_MS,
 * default 500 ms): a relay killed holding a batch leaves it to the others only after this.
 */
const RELAY_LEASE_MS = 30_000;
const RELAY_INTERVAL_MS = 500;

export const CAMPAIGN_PAYMENTS = { webhookRetryBaseMs: 200, webhookMaxAttempts: 9, webhookTimeoutMs: 5_000, asyncSettleDelayMs: 1_000 } as const;

/** The completer's idle delay the instances really use (COMPLETER_IDLE_MS). */
export function completerIdleMs(config: Env): number {
  return config.COMPLETER_IDLE_MS;
}

/**
 * Invariant 7's bound: once faults stop, how long a checkout may take to end, from the
 * configuration. A stuck checkout waits for the maintenance loop, the completer's idle delay and a
 * dead holder's lock, then costs one Stripe call at worst; an order waiting for its webhook waits
 * at most one more delivery attempt (the longest backoff, and its timeout) after the bank debit
 * settles; its confirmation may wait for a dead relay's lease; an instance restarted by the last
 * kill needs its start-up. Summed: each can follow the other.
 */
export function livenessBound(config: Env, maintenanceIntervalMs: number, instanceStartMs: number) {
  const parts = {
    completer: maintenanceIntervalMs + completerIdleMs(config) + config.CHECKOUT_LOCK_TIMEOUT_MS + config.STRIPE_TIMEOUT_MS * (config.STRIPE_MAX_NETWORK_RETRIES + 1),
    webhook: CAMPAIGN_PAYMENTS.webhookRetryBaseMs * 2 ** (CAMPAIGN_PAYMENTS.webhookMaxAttempts - 2) + CAMPAIGN_PAYMENTS.webhookTimeoutMs + CAMPAIGN_PAYMENTS.asyncSettleDelayMs,
    relay: RELAY_LEASE_MS + RELAY_INTERVAL_MS,
    restart: instanceStartMs,
    margin: 10_000,
  };
  return { boundMs: parts.completer + parts.webhook + parts.relay + parts.restart + parts.margin, parts };
}
