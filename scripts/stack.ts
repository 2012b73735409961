import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { optionsFromEnv, startPaymentsServer } from "../payments-server/src/index.ts";
import { openDatabase } from "./db/connect.ts";
import { prepareDatabase } from "./db/prepare.ts";
import { OwnerLockError } from "./db/owner-lock.ts";
import { startMailerProcess } from "./mailer-process.ts";

/**
 * `npm run dev` and `npm start`: the whole shop in one command. The database (embedded PGlite
 * unless DATABASE_URL is set), migrations and seed, the local payments server (unless Stripe is
 * real or STRIPE_API_URL points elsewhere), then Next.js with everything wired in, and the mailer
 * process when AMQP_URL names a RabbitMQ.
 */
const mode = process.argv[2] === "start" ? "start" : "dev";
if (existsSync(".env")) process.loadEnvFile(".env");

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const appUrl = `http://${host}:${port}`;
const usesLocalPayments = !process.env.STRIPE_API_URL && (process.env.STRIPE_SECRET_KEY ?? "sk_test_local_development") === "sk_test_local_development";

async function main() {
  const database = await openDatabase({ port: Number(process.env.PGLITE_PORT ?? 54329) });
  const { applied } = await prepareDatabase(database.url);
  if (applied.length) console.log(`[db] applied ${applied.join(", ")}`);
  console.log(`[db] ${database.kind === "postgresql" ? "PostgreSQL" : "embedded PGlite"} at ${database.url.replace(/\/\/[^@]*@/, "//")}`);

  const payments = usesLocalPayments
    ? await startPaymentsServer({ ...optionsFromEnv(), webhookUrl: process.env.PAYMENTS_WEBHOOK_URL ?? `${appUrl}/api/webhooks/stripe` })
    : null;
  if (payments) console.log(`[payments] local Stripe-compatible server at ${payments.url}`);

  const next = createRequire(import.meta.url).resolve("next/dist/bin/next");
  // NEXT_SERVER_NODE_ARGS: Node options for next-server alone (`npm run bench:profile` passes
  // --cpu-prof, which Node does not take from NODE_OPTIONS).
  const nodeArgs = process.env.NEXT_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, next, mode, "--port", String(port), "--hostname", host], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: database.url, ...(payments && { STRIPE_API_URL: payments.url }) },
  });
  console.log(`[shop] ${appUrl}`);
  // With a broker, confirmations go outbox → relay → RabbitMQ → this mailer process → mailbox.
  // In the shop's mode: the mailer honours the lab's faults where the shop's lab is open (lib/dev-tools.ts).
  const mailer = process.env.AMQP_URL ? startMailerProcess({ ...process.env, DATABASE_URL: database.url, NODE_ENV: mode === "start" ? "production" : "development" }) : null;
  if (mailer) console.log(`[mailer] consuming from RabbitMQ (pid ${mailer.pid}), metrics at http://127.0.0.1:${process.env.MAILER_METRICS_PORT ?? 9465}/metrics`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    child.kill("SIGTERM");
    await mailer?.stop();
    await payments?.close();
    await database.close();
    process.exit(code);
  };
  child.on("exit", (code) => void stop(code ?? 0));
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
}

main().catch((error: unknown) => {
  console.error(error instanceof OwnerLockError ? `error: ${error.message}` : error);
  process.exit(1);
});
