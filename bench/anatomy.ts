import { randomUUID } from "node:crypto";
import pg from "pg";
import Stripe from "stripe";
import { startPaymentsServer } from "../payments-server/src/index.ts";
import { DEMO_API_KEY, WEBHOOK_SECRET } from "./stack.ts";

/** Database round trips of one request: statements sent, of which BEGIN/COMMIT/ROLLBACK, and their text in order (the statement log). */
export type RoundTrips = { statements: number; transactionControl: number; log: string[] };
export type Anatomy = Record<"fresh" | "replay" | "naive" | "webhookFirst" | "webhookDuplicate", RoundTrips>;

/**
 * Counts the database round trips of each kind of request: the route handlers called
 * in-process (the same code `next start` runs) on the database lib/db's client already points
 * at, with every query node-postgres sends counted. Statement counts don't depend on the
 * database, so one is enough. The statements themselves go into the JSON results (`log`), and
 * with BENCH_STATEMENT_LOG=1 to the console too: the list to shorten.
 */
export async function anatomy(): Promise<Anatomy> {
  const payments = await startPaymentsServer({ port: 0 });
  const saved = { ...process.env };
  Object.assign(process.env, { STRIPE_API_URL: payments.url, STRIPE_SECRET_KEY: "sk_test_local_development", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, DEMO_UNSAFE_CHECKOUT: "1", LOG_LEVEL: "silent" });
  const counter = { on: false, statements: 0, control: 0, log: [] as string[] };
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (counter.on) {
      const first = args[0];
      const text = typeof first === "string" ? first : ((first as { text?: string } | undefined)?.text ?? "");
      counter.statements += 1;
      counter.log.push(text.replace(/\s+/g, " ").trim());
      if (/^\s*(BEGIN|COMMIT|ROLLBACK)/i.test(text)) counter.control += 1;
    }
    return query.apply(this, args);
  };
  try {
    const checkoutRoute = await import("../app/api/checkout/route.ts");
    const naiveRoute = await import("../app/api/checkout/naive/route.ts");
    const webhookRoute = await import("../app/api/webhooks/stripe/route.ts");
    const { db } = await import("../lib/db.ts");
    const headers = { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" };
    const body = JSON.stringify({ items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" });
    const post = (handler: (request: Request) => Promise<Response>, extra: Record<string, string> = {}, payload = body) =>
      handler(new Request("http://bench.local/", { method: "POST", headers: { ...headers, ...extra }, body: payload }));
    const expectStatus = async (response: Promise<Response>, status: number) => {
      const answer = await response;
      if (answer.status !== status) throw new Error(`anatomy: ${answer.status} ${await answer.text()}, expected ${status}`);
    };
    const event = async () => {
      const orderId = `anatomy-${randomUUID()}`;
      await db.order.createMany({ data: [{ id: orderId, scope: "bench:anatomy", idempotencyKey: orderId, totalCents: 1800, currency: "usd", paymentMethod: "pm_card_visa" }] });
      const payload = JSON.stringify({ id: `evt_${orderId}`, object: "event", type: "payment_intent.succeeded", created: Math.floor(Date.now() / 1000), data: { object: { id: `pi_${orderId}`, object: "payment_intent", amount: 1800, currency: "usd", status: "succeeded", metadata: { orderId } } } });
      return () => post(webhookRoute.POST, { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) }, payload);
    };

    // One request of each kind, measured on its second and third occurrence (the first compiles Prisma's queries).
    const measure = async (make: () => Promise<() => Promise<void>>): Promise<RoundTrips> => {
      const counts: RoundTrips[] = [];
      for (let i = 0; i < 3; i++) {
        const request = await make();
        Object.assign(counter, { on: true, statements: 0, control: 0, log: [] });
        await request();
        counter.on = false;
        counts.push({ statements: counter.statements, transactionControl: counter.control, log: counter.log });
      }
      return counts.at(-1)!;
    };
    const keys: string[] = [];
    const fresh = await measure(async () => {
      const key = `anatomy-${randomUUID()}`;
      keys.push(key);
      return () => expectStatus(post(checkoutRoute.POST, { "idempotency-key": key }), 201);
    });
    const replay = await measure(async () => () => expectStatus(post(checkoutRoute.POST, { "idempotency-key": keys.pop()! }), 201));
    const naive = await measure(async () => () => expectStatus(post(naiveRoute.POST), 201));
    const webhookFirst = await measure(async () => {
      const deliver = await event();
      return () => expectStatus(deliver(), 200);
    });
    const webhookDuplicate = await measure(async () => {
      const deliver = await event();
      await expectStatus(deliver(), 200);
      return () => expectStatus(deliver(), 200);
    });
    const result = { fresh, replay, naive, webhookFirst, webhookDuplicate };
    if (process.env.BENCH_STATEMENT_LOG === "1") {
      for (const [kind, trips] of Object.entries(result)) console.log(`  statements of ${kind}:\n${trips.log.map((text, i) => `    ${i + 1}. ${text}`).join("\n")}`);
    }
    return result;
  } finally {
    proto.query = query;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await payments.close();
  }
}
