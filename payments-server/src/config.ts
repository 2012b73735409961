import type { Logger } from "pino";

export interface PaymentsServerOptions {
  /** 0 picks a free port. Default 12111. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where events are POSTed; none = events are only listed by /v1/events. */
  webhookUrl?: string;
  /** Default `whsec_local_development_secret`. */
  webhookSecret?: string;
  /** Enables the /_test/ control API. Default off. */
  testApi?: boolean;
  /** How long idempotency keys are kept. Default 24 h, as Stripe. */
  idempotencyTtlMs?: number;
  /** First webhook retry delay; each retry doubles it. Default 1000. */
  webhookRetryBaseMs?: number;
  /** Attempts per webhook delivery, the first included. Default 8. */
  webhookMaxAttempts?: number;
  /** Per-attempt timeout of a webhook POST. Default 10000. */
  webhookTimeoutMs?: number;
  /** How long `pm_test_delayed_*` PaymentIntents stay processing. Default 3000. */
  asyncSettleDelayMs?: number;
  /** Default: silent. */
  logger?: Logger;
}

/** Settings that /_test/config may change while the server runs. */
export interface RuntimeConfig {
  webhookUrl: string | null;
  webhookSecret: string;
  idempotencyTtlMs: number;
  webhookRetryBaseMs: number;
  webhookMaxAttempts: number;
  webhookTimeoutMs: number;
  asyncSettleDelayMs: number;
}

export const DEFAULT_PORT = 12111;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_WEBHOOK_SECRET = "whsec_local_development_secret";

export function runtimeConfig(opts: PaymentsServerOptions): RuntimeConfig {
  return {
    webhookUrl: opts.webhookUrl || null,
    webhookSecret: opts.webhookSecret || DEFAULT_WEBHOOK_SECRET,
    idempotencyTtlMs: opts.idempotencyTtlMs ?? 24 * 60 * 60 * 1000,
    webhookRetryBaseMs: opts.webhookRetryBaseMs ?? 1000,
    webhookMaxAttempts: opts.webhookMaxAttempts ?? 8,
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 10_000,
    asyncSettleDelayMs: opts.asyncSettleDelayMs ?? 3000,
  };
}

type Env = Record<string, string | undefined>;

function number(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

/** The CLI's options. The test API defaults on here: `npm run payments` is a development tool. */
export function optionsFromEnv(env: Env = process.env): PaymentsServerOptions {
  return {
    port: number(env, "PAYMENTS_PORT") ?? DEFAULT_PORT,
    host: env.PAYMENTS_HOST || DEFAULT_HOST,
    webhookUrl: env.PAYMENTS_WEBHOOK_URL || undefined,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET,
    testApi: (env.PAYMENTS_TEST_API ?? "1") !== "0",
    idempotencyTtlMs: number(env, "PAYMENTS_IDEMPOTENCY_TTL_MS"),
    webhookRetryBaseMs: number(env, "PAYMENTS_WEBHOOK_RETRY_BASE_MS"),
    webhookMaxAttempts: number(env, "PAYMENTS_WEBHOOK_MAX_ATTEMPTS"),
    asyncSettleDelayMs: number(env, "PAYMENTS_ASYNC_SETTLE_MS"),
  };
}
