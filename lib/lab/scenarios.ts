import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { db } from "@/lib/db.ts";
import { env } from "@/lib/env.ts";
import { PUBLISH_STORM_COPIES, type ScenarioId } from "@/lib/lab/catalog.ts";
import type { PaymentsControl } from "@/lib/lab/payments-control.ts";
import type { StoredRun, Tally } from "@/lib/lab/runs.ts";
import type { Answer, ShopClient } from "@/lib/lab/shop-client.ts";
import { connectRedis, PrivateRedis, redisGuardedCheckout, type Redis } from "@/lib/lab/redis-guard.ts";
import type { MailMessage } from "@/lib/mail/message.ts";
import { relayPublisher } from "@/lib/mail/publisher.ts";
import { RELAY_LEASE_MS } from "@/lib/mail/relay.ts";
import { CONFIRMATION } from "@/lib/outbox.ts";
import { armPausePoint } from "@/lib/test-hooks.ts";

export type ScenarioContext = {
  run: StoredRun;
  shop: ShopClient;
  payments: PaymentsControl;
  naiveAvailable: boolean;
  say: (text: string, tone?: "info" | "good" | "warn" | "bad") => void;
};
/** A scenario may say what a naive checkout would have done when "one order and charge per request" is not it. */
export type NaiveEstimate = (context: ScenarioContext, safe: Tally) => Promise<(Tally & { how: string }) | null>;
type Scenario = { run: (context: ScenarioContext) => Promise<void>; naive?: NaiveEstimate; measuredHow?: string };

const newKey = () => randomUUID();

/**
 * Slows Stripe for this run, but less than the shop's Stripe timeout: the point is a request
 * still in flight, not a timeout (that is its own scenario).
 */
async function slowStripe({ payments, say }: ScenarioContext, ms: number, times = 1): Promise<number> {
  const delay = Math.min(ms, Math.floor(env().STRIPE_TIMEOUT_MS * 0.6));
  await payments.fault({ kind: "delay_while_executing", ms: delay }, times);
  say(`Stripe is slow today (${(delay / 1000).toFixed(1)} s per payment)`);
  return delay;
}

/** Resolves once the shop has claimed `key`: from then on the request is in flight, whatever happens to its connection. */
async function claimed(run: StoredRun, key: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const found = await db.auditEvent.findFirst({ where: { scope: run.scope, kind: "claim", detail: { path: ["key"], equals: key } }, select: { id: true } });
    if (found) return;
    await sleep(50);
  }
}

/**
 * Each scenario drives the real shop: real HTTP requests to its checkout, real faults at the
 * payments server. Timings are derived from the shop's configuration (Stripe timeout, lock
 * timeout) so a scenario shows the same thing in development and in the e2e configuration.
 */
export const SCENARIO_RUNS: Record<ScenarioId, Scenario> = {
  "double-click": {
    async run(context) {
      const { shop } = context;
      await slowStripe(context, 1500);
      const key = newKey();
      // Whichever loses the race gets 409 and asks again, as the page does.
      await Promise.all([shop.payUntilAnswered("Click 1", key), sleep(80).then(() => shop.payUntilAnswered("Click 2", key))]);
    },
  },

  "timeout-false-negative": {
    async run({ shop, payments, say }) {
      const { STRIPE_TIMEOUT_MS: timeout, STRIPE_MAX_NETWORK_RETRIES: retries } = env();
      const attempts = retries + 1;
      await payments.fault({ kind: "delay_after_commit", ms: timeout + 500 }, attempts);
      // The webhook would tell the shop first; hold it so that only the shopper's retry can find out.
      await payments.shapeWebhooks({ delayMs: attempts * (timeout + 500) + 4000 });
      say(`Stripe will charge, then answer ${timeout + 500} ms late, ${attempts}× (the shop's timeout is ${timeout} ms, and the SDK retries ${retries}×): about ${Math.round((attempts * (timeout + 500)) / 1000)} s`);
      const key = newKey();
      const first = await shop.pay("Pay", key);
      await reportCharges(payments, say, "the shop could not tell");
      if (first?.status === 503) say("The shopper sees “status unknown — paying again is safe” and clicks Try again", "warn");
      await shop.payUntilAnswered("Try again", key);
    },
  },

  "lost-response": {
    async run(context) {
      const { run, shop, say } = context;
      const delay = await slowStripe(context, 1200);
      const key = newKey();
      await shop.pay("Pay", key, { dropWhen: claimed(run, key) });
      say("The shop keeps working on the request; the shopper's page offers “Check / retry your payment”");
      await sleep(delay + 1500);
      await shop.payUntilAnswered("Check / retry", key);
    },
  },

  reload: {
    async run(context) {
      const { run, shop, say } = context;
      await slowStripe(context, 2500);
      const key = newKey();
      await shop.pay("Pay", key, { dropWhen: claimed(run, key) });
      say("Reloaded: the page reads the same key from localStorage and asks again at once");
      await shop.payUntilAnswered("After reload", key);
    },
  },

  "two-tabs": {
    async run({ shop, say }) {
      const key = newKey();
      say("Tabs A and B show the same checkout: both read the key from localStorage");
      await shop.payUntilAnswered("Tab A: Pay", key);
      await shop.payUntilAnswered("Tab B: Pay", key);
    },
  },

  "webhook-storm": {
    async run({ shop, payments, say }) {
      await payments.shapeWebhooks({ copies: 5, concurrent: true, shuffle: true, delayMs: 500, extraEvents: ["payment_intent.payment_failed"] });
      say("Every webhook of this payment will arrive 5× at once, shuffled, with a stale “payment failed” snapshot");
      await shop.pay("Pay by bank debit", newKey(), { paymentMethod: "pm_test_delayed_success" });
      say("The bank settles later; the webhooks decide the order's fate");
    },
    async naive({ payments }, safe) {
      const deliveries = await payments.deliveries("payment_intent.succeeded");
      return { ...safe, messages: deliveries, how: `a webhook handler without event-id dedupe confirms once per delivery of payment_intent.succeeded (${deliveries})` };
    },
  },

  "decline-then-retry": {
    async run({ shop, say }) {
      const first = newKey();
      await shop.payUntilAnswered("Pay with a card that is declined", first, { paymentMethod: "pm_card_chargeDeclined" });
      await shop.pay("Same key, now with Visa", first);
      say("A new attempt is a new request: the page mints a new key");
      await shop.pay("New key, Visa", newKey());
    },
  },

  "crash-after-payment": {
    async run({ run, shop, payments, say }) {
      const { CHECKOUT_LOCK_TIMEOUT_MS: lockTimeout } = env();
      armPausePoint("after_payment", { ms: 0, crash: true, scope: run.scope });
      // Without this the webhook would settle the order before the retry gets to ask Stripe.
      await payments.shapeWebhooks({ delayMs: lockTimeout + 8000 });
      say("The next checkout of this run will crash right after Stripe charges it");
      const key = newKey();
      await shop.pay("Pay", key);
      await reportCharges(payments, say, "the shop's database has no record of it");
      say(`Retrying every second: the dead request's lock counts as fresh for ${lockTimeout / 1000} s`);
      await shop.payUntilAnswered("Retry", key, { intervalMs: 1000, maxMs: lockTimeout + 20_000 });
    },
  },

  "naive-versus-safe": {
    async run(context) {
      const { shop, say, naiveAvailable } = context;
      if (!naiveAvailable) throw new Error("The naive checkout is off: start the shop with DEMO_UNSAFE_CHECKOUT=1 to compare it");
      await slowStripe(context, 400, 10);
      say("5 requests at once to the naive checkout: no key, no claim, no Stripe key");
      await Promise.all([1, 2, 3, 4, 5].map((n) => shop.pay(`Naive ${n}`, null, { naive: true })));
      const key = newKey();
      say("The same 5 requests to the real checkout, with one key");
      await Promise.all([1, 2, 3, 4, 5].map((n) => shop.payUntilAnswered(`Safe ${n}`, key)));
    },
  },

  "mailer-crash": {
    async run({ run, shop, say }) {
      armPausePoint("mail_after_commit", { ms: 0, crash: true, scope: run.scope });
      say(relayPublisher().path === "broker"
        ? "The mailer process will crash right after writing this run's confirmation, before acknowledging it (it drops its RabbitMQ connection without the ack: to the broker, a consumer that died)"
        : "The mailer will crash right after writing this run's confirmation, before acknowledging it");
      const orderId = await paidOrder(await shop.pay("Pay", newKey()));
      say("Waiting for the confirmation to be handed over again and acknowledged…");
      // In process the relay hands it over again; through RabbitMQ the broker redelivers it to the reconnected mailer.
      await until("the confirmation was delivered again and acknowledged", 20_000, async () => (await db.outboxMessage.findFirst({ where: { orderId }, select: { sentAt: true } }))?.sentAt != null && (await deliveriesOf(orderId)) >= 2);
      await reportDeliveries(orderId, say);
    },
    naive: oneEmailPerDelivery,
  },

  "relay-dies-after-publish": {
    async run({ run, shop, say }) {
      armPausePoint("relay_after_publish", { ms: 0, crash: true, scope: run.scope });
      say(`The relay will die right after handing this run's confirmation over (${relayPublisher().path === "broker" ? "RabbitMQ confirmed it" : "the consumer in process committed it"}), before marking its outbox row sent`);
      const orderId = await paidOrder(await shop.pay("Pay", newKey()));
      await until("the first copy reached the consumer", 20_000, async () => (await deliveriesOf(orderId)) >= 1);
      const row = await db.outboxMessage.findFirstOrThrow({ where: { orderId }, select: { sentAt: true, leasedUntil: true } });
      const leftS = Math.max(0, Math.round(((row.leasedUntil?.getTime() ?? Date.now()) - Date.now()) / 1000));
      if (!row.sentAt) say(`The consumer has the confirmation, the outbox row is still unsent: the dead relay's lease (${RELAY_LEASE_MS / 1000} s) holds it ${leftS} s more, then a relay publishes it again`, "warn");
      await until("a relay published it again and marked it sent", RELAY_LEASE_MS + 20_000, async () => (await db.outboxMessage.findFirst({ where: { orderId }, select: { sentAt: true } }))?.sentAt != null && (await deliveriesOf(orderId)) >= 2);
      await reportDeliveries(orderId, say);
    },
    naive: oneEmailPerDelivery,
  },

  "publish-storm": {
    async run({ shop, say }) {
      const orderId = await paidOrder(await shop.pay("Pay", newKey()));
      const row = await db.outboxMessage.findFirstOrThrow({ where: { orderId, kind: CONFIRMATION }, select: { id: true, orderId: true, kind: true, recipient: true, subject: true, body: true } });
      const message: MailMessage = { messageId: row.id, orderId: row.orderId, kind: row.kind, recipient: row.recipient, subject: row.subject, body: row.body };
      const publisher = relayPublisher();
      say(`Publishing the confirmation ${PUBLISH_STORM_COPIES} more times at once (${publisher.path === "broker" ? "to RabbitMQ" : "to the consumer in process"}), racing the relay's own copy`);
      const published = await Promise.allSettled(Array.from({ length: PUBLISH_STORM_COPIES }, () => publisher.publish(message)));
      const refused = published.filter((outcome) => outcome.status === "rejected").length;
      if (refused > 0) say(`${refused} of the ${PUBLISH_STORM_COPIES} copies were not taken`, "warn");
      const expected = PUBLISH_STORM_COPIES - refused + 1;
      await until(`all ${expected} copies reached the consumer${publisher.path === "broker" ? " (is the mailer process running?)" : ""}`, 30_000, async () => (await db.outboxMessage.findFirst({ where: { orderId }, select: { sentAt: true } }))?.sentAt != null && (await deliveriesOf(orderId)) >= expected);
      await reportDeliveries(orderId, say);
    },
    naive: oneEmailPerDelivery,
  },

  "redis-lock": {
    measuredHow: "measured: the same clicks through the seeds' Redis recipe (GET, SET NX lock, process, SET result 24 h) in front of a checkout with no other guard",
    async run(context) {
      const { run, shop, payments, say, naiveAvailable } = context;
      const { REDIS_URL, CHECKOUT_LOCK_TIMEOUT_MS: lockTimeout } = env();
      if (!REDIS_URL) throw new Error("This scenario needs Redis: start one (redis-server --port 6379 --save '' --appendonly no) and set REDIS_URL=redis://127.0.0.1:6379");
      if (!naiveAvailable) throw new Error("The Redis side runs in front of the naive checkout: start the shop with DEMO_UNSAFE_CHECKOUT=1");
      const request = { scope: run.scope, paymentMethod: "pm_card_visa" as const, source: { kind: "items" as const, apiClientId: run.scope.replace(/^api:/, ""), items: [{ slug: "stoneware-mug", quantity: 1 }] } };
      const namespace = `lab:${run.id}:`;
      const shared = await connectRedis(REDIS_URL);
      const own = await PrivateRedis.start().catch((error: unknown) => {
        throw new Error(`Act 2 restarts a redis-server of the lab's own (never the shared one): ${error instanceof Error ? error.message : String(error)}. Install redis-server or set REDIS_SERVER_BIN`);
      });
      const guard = async (redis: Redis, label: string, key: string, lockTtlMs: number, crashAfterCharge = false) => {
        const answer = await redisGuardedCheckout(redis, namespace, key, request, { lockTtlMs, crashAfterCharge });
        const said = { processed: "processed: a new order and a new charge", replayed: "result found in Redis: replayed", locked: "locked: 409", crashed: "charged, then the process died before SET result" }[answer.outcome];
        say(`Redis guard · ${label} → ${said}`, answer.outcome === "processed" || answer.outcome === "crashed" ? "warn" : "good");
      };
      try {
        say("Act 1 · the lock's TTL runs out while Stripe is slow");
        const delay = await slowStripe(context, 1500, 3);
        const lockTtl = Math.max(100, Math.floor(delay / 3));
        const gap = Math.floor(delay * 0.6);
        say(`Redis lock TTL ${lockTtl} ms; the second click comes ${gap} ms after the first`);
        const first = newKey();
        await Promise.all([guard(shared, "click 1", first, lockTtl), sleep(gap).then(() => guard(shared, "click 2", first, lockTtl))]);
        const firstDb = newKey();
        await Promise.all([shop.payUntilAnswered("DB claim · click 1", firstDb), sleep(gap).then(() => shop.payUntilAnswered("DB claim · click 2", firstDb))]);

        say("Act 2 · Redis restarted between two clicks (a redis-server of the lab's own, no persistence)");
        const second = newKey();
        const ownClient = await connectRedis(own.url);
        await guard(ownClient, "click 1", second, 30_000);
        await ownClient.destroy();
        await own.restart();
        say("redis-server restarted: every key it held is gone", "warn");
        const restarted = await connectRedis(own.url);
        await guard(restarted, "click 2, same key", second, 30_000);
        await restarted.destroy();
        const secondDb = newKey();
        await shop.pay("DB claim · click 1", secondDb);
        await shop.pay("DB claim · click 2, same key", secondDb);

        say("Act 3 · the process dies between the charge and storing the result");
        const third = newKey();
        const crashTtl = 500;
        await guard(shared, "pay", third, crashTtl, true);
        await sleep(crashTtl + 100);
        await guard(shared, "retry after the lock expired", third, crashTtl);
        armPausePoint("after_payment", { ms: 0, crash: true, scope: run.scope });
        await payments.shapeWebhooks({ delayMs: lockTimeout + 8000 });
        const thirdDb = newKey();
        await shop.pay("DB claim · pay", thirdDb);
        await shop.payUntilAnswered("DB claim · retry", thirdDb, { intervalMs: 1000, maxMs: lockTimeout + 20_000 });
      } finally {
        await shared.destroy();
        await own.stop();
      }
    },
  },
};

/** The order of a successful payment, or the run stops: the mail scenarios need a confirmation to deliver. */
function paidOrder(answer: Answer | null): string {
  if (!answer?.orderId) throw new Error("The payment did not produce an order");
  return answer.orderId;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) if (await check()) return;
  throw new Error(`Timed out after ${timeoutMs / 1000} s waiting until ${what}`);
}

/** How many copies of the order's confirmation reached the consumer (its ProcessedMessage rows count them). */
async function deliveriesOf(orderId: string): Promise<number> {
  const processed = await db.processedMessage.aggregate({ where: { orderId }, _sum: { deliveries: true } });
  return processed._sum.deliveries ?? 0;
}

/** The run's end as the database has it: deliveries, duplicates skipped, emails written. */
async function reportDeliveries(orderId: string, say: ScenarioContext["say"]): Promise<void> {
  const [deliveries, emails] = await Promise.all([deliveriesOf(orderId), db.mailboxEntry.count({ where: { orderId } })]);
  say(`From the database: ${deliveries} deliveries reached the consumer, ${deliveries - emails} skipped as duplicates, ${emails} email${emails === 1 ? "" : "s"} in the mailbox`, emails === 1 ? "good" : "bad");
}

/** A consumer without the processed-message row writes one email per delivery: the deliveries, as the database counted them. */
async function oneEmailPerDelivery({ run }: ScenarioContext, safe: Tally): ReturnType<NaiveEstimate> {
  const orders = await db.order.findMany({ where: { scope: run.scope }, select: { id: true } });
  const processed = await db.processedMessage.aggregate({ where: { orderId: { in: orders.map((order) => order.id) } }, _sum: { deliveries: true } });
  const deliveries = processed._sum.deliveries ?? 0;
  return { ...safe, messages: deliveries, how: `a consumer without a processed-messages table writes one email per delivery (${deliveries})` };
}

/** What Stripe holds at this moment, which the shop may not know yet. */
async function reportCharges(payments: PaymentsControl, say: ScenarioContext["say"], butShop: string): Promise<void> {
  const charged = (await payments.paymentIntents()).filter((intent) => intent.status === "succeeded");
  if (charged.length > 0) say(`At Stripe: ${charged.map((intent) => intent.id).join(", ")} succeeded — the card is charged, but ${butShop}`, "warn");
}

