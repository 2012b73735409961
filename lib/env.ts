import { z } from "zod";

/** The Stripe key the local payments server accepts; any other key means a real Stripe account. */
export const LOCAL_STRIPE_KEY = "sk_test_local_development";
const LOCAL_STRIPE_URL = "http://127.0.0.1:12111";

const positiveInteger = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const milliseconds = positiveInteger;
const bytes = positiveInteger;
const flag = z.enum(["0", "1", "true", "false"]).optional().transform((value) => value === "1" || value === "true");

const schema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  STRIPE_SECRET_KEY: z.string().startsWith("sk_", "STRIPE_SECRET_KEY must be a Stripe secret key (sk_...)").default(LOCAL_STRIPE_KEY),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_").default("whsec_local_development_secret"),
  STRIPE_API_URL: z.url().optional(),
  STRIPE_TIMEOUT_MS: milliseconds(10_000),
  STRIPE_MAX_NETWORK_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** An in-flight checkout older than this is presumed dead and may be taken over. */
  CHECKOUT_LOCK_TIMEOUT_MS: milliseconds(15_000),
  /** How long the server action waits for a concurrent duplicate; longer than the lock timeout. */
  CHECKOUT_WAIT_MS: milliseconds(20_000),
  IDEMPOTENCY_TTL_MS: milliseconds(24 * 60 * 60 * 1000),
  /** How long Stripe keeps an idempotency key (24 h): an attempt older than this is reconciled before anything is created. */
  PROVIDER_KEY_WINDOW_MS: milliseconds(24 * 60 * 60 * 1000),
  /** How long Stripe's search may lag behind a write (it says about a minute): younger attempts are looked up by list. */
  PROVIDER_SEARCH_FRESHNESS_MS: milliseconds(10 * 60 * 1000),
  /** How long a checkout sits idle before the completer resumes it: minutes, like Stripe's own completer. */
  COMPLETER_IDLE_MS: milliseconds(2 * 60 * 1000),
  /** How long the timeline's steps (AuditEvent) are kept. */
  AUDIT_RETENTION_MS: milliseconds(30 * 24 * 60 * 60 * 1000),
  /** Request bodies are read up to this many bytes, then refused with 413: checkout, the API, server actions. */
  REQUEST_BODY_LIMIT_BYTES: bytes(64 * 1024),
  /** The same for Stripe's webhook deliveries, read before their signature can be checked. */
  WEBHOOK_BODY_LIMIT_BYTES: bytes(1024 * 1024),
  /** A production build serves /api/metrics only to `Authorization: Bearer <this>`, and not at all without it. */
  METRICS_TOKEN: z.preprocess((value) => (value === "" ? undefined : value), z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional()),
  /** RabbitMQ (amqp://…): the outbox relay publishes confirmations there and the mailer process consumes them. Unset: handed over in process. */
  AMQP_URL: z.preprocess((value) => (value === "" ? undefined : value), z.string().regex(/^amqps?:\/\//, "AMQP_URL must be an amqp:// or amqps:// URL").optional()),
  /** Prefix of the queue names (`<prefix>confirmations`, `<prefix>confirmations.dead`): one shared broker, several shops or runs. */
  AMQP_QUEUE_PREFIX: z.string().regex(/^[\w.-]*$/).default("shop."),
  /** Redis (redis://…), for the lab's "Redis lock versus database claim" only: the shop's guarantees never depend on it. */
  REDIS_URL: z.preprocess((value) => (value === "" ? undefined : value), z.string().regex(/^rediss?:\/\//, "REDIS_URL must be a redis:// or rediss:// URL").optional()),
  ENABLE_TEST_ENDPOINTS: flag,
  /** Test runs only, and only with ENABLE_TEST_ENDPOINTS=1: guarantees switched off (lib/test-hooks.ts). */
  BREAK_GUARANTEES: z.string().default(""),
  /** Opens the teaching lab (/lab) and the dashboard (/admin) in a production build, for demos. */
  DEMO_MODE: flag,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
}).refine((config) => config.CHECKOUT_WAIT_MS > config.CHECKOUT_LOCK_TIMEOUT_MS, {
  // A waiting duplicate must outlast a dead process's lock, or it would give up instead of taking over.
  message: "CHECKOUT_WAIT_MS must be longer than CHECKOUT_LOCK_TIMEOUT_MS",
  path: ["CHECKOUT_WAIT_MS"],
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

/** Server configuration, validated once. Secrets only ever come from here, never from a client. */
export function env(): Env {
  cached ??= readEnv(process.env);
  return cached;
}

/** The configuration a process with this environment would run with (the cluster derives its proxy timeouts from it). */
export function readEnv(source: Record<string, string | undefined>): Env {
  return schema.parse(source);
}

/** Where the Stripe SDK sends requests: real Stripe only for a real key and no override. */
export function stripeEndpoint(config: Env = env()): URL | null {
  if (config.STRIPE_API_URL) return new URL(config.STRIPE_API_URL);
  return config.STRIPE_SECRET_KEY === LOCAL_STRIPE_KEY ? new URL(LOCAL_STRIPE_URL) : null;
}
