import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterEach, beforeEach } from "vitest";
import { type PaymentsServer, type PaymentsServerOptions, type Stats, startPaymentsServer } from "../src/index.ts";

export const API_KEY = "sk_test_payments_server_tests";
export const SECRET = "whsec_test_secret";

export interface Harness {
  server: PaymentsServer;
  /** An SDK client for this server; no retries unless asked, so each call is exactly one request. */
  stripe: Stripe;
  client(config?: Stripe.StripeConfig, apiKey?: string): Stripe;
  /** JSON call to the /_test/ API. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read loosely shaped JSON answers
  control<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stats(query?: Record<string, string>): Promise<Stats>;
  /** A raw form POST to /v1/, for what the SDK would never send. */
  post(path: string, form: string, headers?: Record<string, string>): Promise<Response>;
}

export async function startHarness(opts: PaymentsServerOptions = {}): Promise<Harness> {
  const server = await startPaymentsServer({ port: 0, testApi: true, webhookSecret: SECRET, webhookRetryBaseMs: 10, asyncSettleDelayMs: 50, ...opts });
  const client = (config: Stripe.StripeConfig = {}, apiKey = API_KEY) =>
    new Stripe(apiKey, { host: "127.0.0.1", port: server.port, protocol: "http", maxNetworkRetries: 0, telemetry: false, ...config });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  return {
    server,
    stripe: client(),
    client,
    control,
    stats: async (query = {}) => (await control("GET", `/_test/stats?${new URLSearchParams(query)}`)).body as Stats,
    post: (path, form, headers = {}) =>
      fetch(server.url + path, {
        method: "POST",
        headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body: form,
      }),
  };
}

/** A fresh server per test, closed afterwards: `const h = useHarness()`, then use `h.stripe` inside tests. */
export function useHarness(opts: PaymentsServerOptions = {}): Harness {
  const harness = {} as Harness;
  beforeEach(async () => {
    Object.assign(harness, await startHarness(opts));
  });
  afterEach(async () => {
    await harness.server.close();
  });
  return harness;
}

export interface Delivery {
  body: string;
  headers: IncomingHttpHeaders;
  event: Stripe.Event;
  at: number;
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Most deliveries in flight at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** A webhook endpoint for tests; `respond` picks each answer's status (default 200) and may delay it. */
export async function startReceiver(
  respond: (d: Delivery, n: number) => number | Promise<number> = () => 200,
  receiver = {} as Receiver,
): Promise<Receiver> {
  let inFlight = 0;
  Object.assign(receiver, { url: "", deliveries: [], maxInFlight: 0 });
  const server = createServer(async (req, res) => {
    inFlight++;
    receiver.maxInFlight = Math.max(receiver.maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const delivery: Delivery = { body, headers: req.headers, event: JSON.parse(body), at: Date.now() };
    receiver.deliveries.push(delivery);
    const status = await respond(delivery, receiver.deliveries.length);
    inFlight--;
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

export function useReceiver(respond?: Parameters<typeof startReceiver>[0]): Receiver {
  const receiver = {} as Receiver;
  beforeEach(async () => {
    await startReceiver(respond, receiver);
  });
  afterEach(async () => {
    await receiver.close();
  });
  return receiver;
}

/** Polls until `check` returns something truthy. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The params of a card payment the tests reuse. */
export function visaPayment(orderId: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}): Stripe.PaymentIntentCreateParams {
  return { amount: 2500, currency: "usd", payment_method: "pm_card_visa", confirm: true, metadata: { orderId }, ...extra };
}
