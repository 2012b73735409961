import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import { DEFAULT_HOST, DEFAULT_PORT, type PaymentsServerOptions } from "./config.ts";
import { createHttpServer } from "./server.ts";

export type { PaymentsServerOptions, RuntimeConfig } from "./config.ts";
export { DEFAULT_WEBHOOK_SECRET, optionsFromEnv } from "./config.ts";
export type { Stats } from "./stats.ts";

export interface PaymentsServer {
  /** e.g. `http://127.0.0.1:12111`; pass its host and port to the Stripe SDK with `protocol: 'http'`. */
  url: string;
  port: number;
  host: string;
  /** Stops listening, cuts open connections and cancels pending settlements and webhook deliveries. */
  close(): Promise<void>;
}

/** Starts a local Stripe-compatible payments server; `port: 0` picks a free port. */
export async function startPaymentsServer(opts: PaymentsServerOptions = {}): Promise<PaymentsServer> {
  const app = createApp(opts);
  const server = createHttpServer(app);
  const host = opts.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    close() {
      closing ??= new Promise<void>((resolve) => {
        app.timers.clear();
        app.webhooks.reset();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
