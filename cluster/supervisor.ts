import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Env } from "../lib/env.ts";
import { DEFAULT_WEBHOOK_SECRET, startPaymentsServer, type PaymentsServer, type PaymentsServerOptions } from "../payments-server/src/index.ts";
import { startEmbeddedDatabase } from "../scripts/db/embedded.ts";
import { prepareDatabase } from "../scripts/db/prepare.ts";
import { freePort } from "../scripts/free-port.ts";
import { Instance } from "./instance.ts";
import { MailerProcess } from "./mailer.ts";
import { startNginx, type Nginx } from "./nginx.ts";
import { instanceConfig, worstRequestMs } from "./settings.ts";

export type ClusterOptions = {
  /** PostgreSQL (the cluster), or an embedded PGlite folder owned by the supervisor (one instance only). */
  database: { url: string } | { embedded: { dataDir: string } };
  instances: number;
  nginxBinary: string;
  /** Where logs and nginx's prefix go. */
  runDir: string;
  /** Load balancer ports; 0 = a free port. */
  port?: number;
  retryPort?: number;
  paymentsPort?: number;
  /** The instances' environment (default: this process's); the cluster sets the wiring on top. */
  environment?: Record<string, string | undefined>;
  /** The misconfigured proxy's read timeout (default: the Stripe timeout, so a payment held up at Stripe is sent twice). */
  retryReadTimeoutMs?: number;
  payments?: Pick<PaymentsServerOptions, "webhookRetryBaseMs" | "webhookMaxAttempts" | "webhookTimeoutMs" | "asyncSettleDelayMs" | "idempotencyTtlMs" | "logger">;
  log?: (line: string) => void;
};

export type Cluster = {
  /** The load balancer: what shoppers, browsers and the payments server's webhooks use. */
  url: string;
  /** The misconfigured, retrying proxy in front of the same instances. */
  retryUrl: string;
  paymentsUrl: string;
  databaseUrl: string;
  instances: Instance[];
  /** The mailer process, when the instances publish to RabbitMQ (AMQP_URL set); the campaign kills it too. */
  mailer: MailerProcess | null;
  /** The configuration every instance runs with. */
  config: Env;
  readTimeoutMs: number;
  retryReadTimeoutMs: number;
  webhookSecret: string;
  nginx: Nginx;
  runDir: string;
  stop: () => Promise<void>;
};

/**
 * The supervisor: owns what the instances share, once. Migrations and the seed run here, before
 * any instance starts (never N times at once); one payments server, whose webhooks go through the
 * load balancer like any other traffic; the instances; nginx. The campaign kills and restarts
 * instances through `cluster.instances`; the supervisor and the payments server are never killed.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (!Number.isInteger(options.instances) || options.instances < 1) throw new Error("--instances must be a whole number ≥ 1");
  if ("embedded" in options.database && options.instances !== 1) throw new Error("The embedded database serves one instance; use PostgreSQL for more");
  mkdirSync(options.runDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log(`[cluster] stopping: ${String(error)}`));
  };
  try {
    const database = await openClusterDatabase(options.database);
    cleanups.push(database.close);
    const { applied } = await prepareDatabase(database.url);
    log(`[db] ${"url" in options.database ? "PostgreSQL" : "embedded PGlite"}: ${applied.length ? `applied ${applied.join(", ")}` : "migrations up to date"}; seeded`);

    const [port, retryPort] = [options.port || (await freePort()), options.retryPort || (await freePort())];
    const url = `http://127.0.0.1:${port}`;
    const environment = options.environment ?? process.env;
    const webhookSecret = environment.STRIPE_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET;
    const payments = await startPaymentsServer({ ...options.payments, port: options.paymentsPort ?? 0, testApi: true, webhookUrl: `${url}/api/webhooks/stripe`, webhookSecret });
    cleanups.push(() => payments.close());
    log(`[payments] ${payments.url} (webhooks → ${url}/api/webhooks/stripe, through nginx)`);

    const instanceEnv = wiring(environment, database.url, payments, webhookSecret);
    const config = instanceConfig(instanceEnv);
    const ports = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
    const instances = ports.map((instancePort, index) => new Instance(index + 1, instancePort, instanceEnv, path.join(options.runDir, `instance-${index + 1}.log`)));
    cleanups.push(async () => void (await Promise.all(instances.map((instance) => instance.stop()))));
    await Promise.all(instances.map((instance) => instance.start()));
    for (const instance of instances) log(`[instance ${instance.index}] ${instance.url} (pid ${instance.pid}; pause points, /api/metrics and test endpoints are per instance)`);
    // With a broker, every instance's relay publishes to RabbitMQ and one mailer process consumes.
    let mailer: MailerProcess | null = null;
    if (instanceEnv.AMQP_URL) {
      const started = new MailerProcess(instanceEnv, await freePort(), path.join(options.runDir, "mailer.log"));
      mailer = started;
      cleanups.push(() => started.stop());
      await started.start();
      log(`[mailer] pid ${started.pid}, consuming from RabbitMQ (queue prefix ${instanceEnv.AMQP_QUEUE_PREFIX ?? "shop."}; metrics on :${started.metricsPort})`);
    }

    const readTimeoutMs = worstRequestMs(config);
    const retryReadTimeoutMs = options.retryReadTimeoutMs ?? config.STRIPE_TIMEOUT_MS;
    const nginx = await startNginx(options.nginxBinary, {
      port,
      retryPort,
      upstreams: ports,
      readTimeoutMs,
      retryReadTimeoutMs,
      user: process.getuid?.() === 0 ? os.userInfo().username : undefined,
    }, path.join(options.runDir, "nginx"), path.join(options.runDir, "nginx.log"));
    cleanups.push(nginx.stop);
    log(`[nginx] ${url} → ${options.instances} instance(s), proxy_read_timeout ${Math.ceil(readTimeoutMs / 1000)} s; retrying proxy (misconfigured on purpose) at http://127.0.0.1:${retryPort}`);

    return {
      url,
      retryUrl: `http://127.0.0.1:${retryPort}`,
      paymentsUrl: payments.url,
      databaseUrl: database.url,
      instances,
      mailer,
      config,
      readTimeoutMs,
      retryReadTimeoutMs,
      webhookSecret,
      nginx,
      runDir: options.runDir,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function openClusterDatabase(database: ClusterOptions["database"]): Promise<{ url: string; close: () => Promise<void> }> {
  if ("url" in database) return { url: database.url, close: async () => {} };
  const embedded = await startEmbeddedDatabase({ dataDir: database.embedded.dataDir, port: 0 });
  return { url: embedded.url, close: embedded.close };
}

/** What every instance gets on top of the given environment: the shared database, the local payments server, production mode. */
function wiring(environment: Record<string, string | undefined>, databaseUrl: string, payments: PaymentsServer, webhookSecret: string): NodeJS.ProcessEnv {
  const { PGLITE_DATA_DIR: _dir, PGLITE_PORT: _port, ...rest } = environment;
  return {
    ...rest,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    STRIPE_API_URL: payments.url,
    STRIPE_SECRET_KEY: "sk_test_local_development",
    STRIPE_WEBHOOK_SECRET: webhookSecret,
  };
}
