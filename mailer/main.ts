import { createServer } from "node:http";
import { createDb } from "@/lib/db.ts";
import { devToolsEnabled } from "@/lib/dev-tools.ts";
import { mailQueues } from "@/lib/mail/amqp.ts";
import { logger } from "@/lib/log.ts";
import { startMailer } from "./mailer.ts";

/**
 * `npm run mailer`: the mailer process. Needs AMQP_URL and DATABASE_URL (`npm run dev`/`start`
 * and `npm run cluster` start it, with the same environment as the shop, when AMQP_URL is set).
 * Metrics on MAILER_METRICS_PORT (default 9465), at /metrics.
 */
const url = process.env.AMQP_URL;
if (!url) {
  console.error("AMQP_URL is not set: without a broker the shop delivers confirmations in process, and no mailer is needed.");
  process.exit(2);
}
const db = createDb();
// Test runs only: die (SIGKILL, no cleanup) right after the consumer committed, before the ack.
const dieAfterCommit = process.env.ENABLE_TEST_ENDPOINTS === "1" && process.env.MAILER_FAULT === "die_after_commit" ? () => process.kill(process.pid, "SIGKILL") : undefined;

const mailer = startMailer({
  url,
  db,
  queues: mailQueues(),
  prefetch: Number(process.env.MAILER_PREFETCH ?? 10),
  dieAfterCommit,
  // The same gate as the shop's pause points (lib/test-hooks.ts): the lab's "mailer crashes before acknowledging".
  labFaults: process.env.ENABLE_TEST_ENDPOINTS === "1" || devToolsEnabled(),
  log: (message, fields) => logger.info({ ...fields, component: "mailer" }, message),
});

const port = Number(process.env.MAILER_METRICS_PORT ?? 9465);
const server = createServer((request, response) => {
  if (request.url !== "/metrics") {
    response.writeHead(404).end();
    return;
  }
  void mailer.metrics.registry.metrics().then((text) => response.writeHead(200, { "content-type": mailer.metrics.registry.contentType }).end(text));
});
server.listen(port, "127.0.0.1", () => logger.info({ component: "mailer", port }, "mailer metrics at /metrics"));

const stop = async () => {
  server.close();
  await mailer.stop();
  await db.$disconnect();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
