import { pino } from "pino";
import { optionsFromEnv, startPaymentsServer } from "./index.ts";

const logger = pino({ level: process.env.PAYMENTS_LOG_LEVEL ?? "info" });
const options = optionsFromEnv();
const server = await startPaymentsServer({ ...options, logger });
logger.info(
  { url: server.url, webhookUrl: options.webhookUrl ?? null, testApi: options.testApi },
  `payments server listening on ${server.url} (Stripe SDK: host ${server.host}, port ${server.port}, protocol http)`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    logger.info({ signal }, "shutting down");
    void server.close().then(() => process.exit(0));
  });
}
