import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect } from "amqplib";
import { buildIfStale } from "./build.ts";
import { mailQueues } from "../../lib/mail/amqp.ts";
import { createTestDatabase } from "../../test/setup/database.ts";

/**
 * The e2e web server: a production build of the shop on its own ports, with a database of its
 * own for this run (a fresh embedded PGlite folder, or a fresh PostgreSQL database when
 * TEST_DATABASE=postgres), the local payments server, and test endpoints on.
 */
buildIfStale();

const scratch = mkdtempSync(path.join(tmpdir(), "checkout-e2e-"));
const postgres = process.env.TEST_DATABASE === "postgres" ? await createTestDatabase("postgres") : null;
// With AMQP_URL (confirmations through RabbitMQ, scripts/stack.ts starts the mailer): queues of this
// run's own on the shared broker, deleted afterwards, and the mailer's metrics on any free port.
const broker = process.env.AMQP_URL ? { url: process.env.AMQP_URL, prefix: process.env.AMQP_QUEUE_PREFIX ?? `e2e.${randomBytes(3).toString("hex")}.` } : null;

const child = spawn(process.execPath, ["--import", "tsx", "scripts/stack.ts", "start"], {
  stdio: "inherit",
  env: {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    ENABLE_TEST_ENDPOINTS: "1",
    ...(postgres ? { DATABASE_URL: postgres.url } : { DATABASE_URL: "", PGLITE_DATA_DIR: path.join(scratch, "pglite"), PGLITE_PORT: "0" }),
    ...(broker && { AMQP_QUEUE_PREFIX: broker.prefix, MAILER_METRICS_PORT: process.env.MAILER_METRICS_PORT ?? "0" }),
  },
});

/** Deletes the run's queues, unless AMQP_QUEUE_PREFIX named them (then they are the caller's). */
async function dropQueues(): Promise<void> {
  if (!broker || process.env.AMQP_QUEUE_PREFIX) return;
  const connection = await connect(broker.url);
  try {
    const channel = await connection.createChannel();
    for (const queue of Object.values(mailQueues(broker.prefix))) await channel.deleteQueue(queue);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function shutdown(code: number) {
  child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await postgres?.close().catch(() => {});
  await dropQueues().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
  process.exit(code);
}
child.on("exit", (code) => void shutdown(code ?? 0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));
