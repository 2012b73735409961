import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { Books, delta, Verdict } from "./ledger.ts";
import { amountFor, load, type Shot } from "./load.ts";
import { metricsOf, summarise, type RunRecord, type ScenarioResult } from "./runs.ts";
import { WEBHOOK_SECRET, type Target } from "./stack.ts";

export type WebhookSettings = { runs: number; connections: number; seconds: number; warmupRequests: number; bounds: { min: number; max: number }; duplicateShares: number[] };

type State = { target: Target; books: Books; amounts: Map<number, number>; records: Map<number, RunRecord[]> };

/**
 * POST /api/webhooks/stripe: signed payment_intent.succeeded events for pending orders (made
 * with one INSERT … SELECT per run), each event delivered once, or several times in random
 * order (80 % duplicates = every event 5 times). Every first delivery must pay its order once,
 * with one payment row and one confirmation; every other delivery must change nothing.
 */
export async function webhookSuite(targets: Target[], settings: WebhookSettings, log: (line: string) => void): Promise<Map<string, ScenarioResult[]>> {
  const tag = randomBytes(3).toString("hex");
  const copiesOf = (share: number) => Math.round(1 / (1 - share));
  const states: State[] = targets.map((target) => ({
    target,
    books: new Books(target.stack.databaseUrl, target.stack.paymentsUrl),
    amounts: new Map(),
    records: new Map(settings.duplicateShares.map((share) => [share, []])),
  }));
  try {
    for (const state of states) {
      for (const share of settings.duplicateShares) {
        const warm = await measure(state, settings.connections, `whb-${tag}-${share}-w-`, settings.warmupRequests, copiesOf(share));
        if (!warm.record.ok) throw new Error(`${state.target.name} webhook warm-up failed: ${warm.record.violations.join("; ")}`);
        state.amounts.set(share, amountFor(warm.run, settings.seconds, settings.bounds));
      }
    }
    for (let round = 1; round <= settings.runs; round++) {
      for (const share of settings.duplicateShares) {
        for (const state of round % 2 ? states : [...states].reverse()) {
          const { record, run } = await measure(state, settings.connections, `whb-${tag}-${share}-${round}-`, state.amounts.get(share)!, copiesOf(share));
          state.records.get(share)!.push(record);
          if (record.ok) state.amounts.set(share, amountFor(run, settings.seconds, settings.bounds));
          log(`  ${state.target.name} webhooks ${share * 100}% duplicates run ${round}: ${record.ok ? `${run.throughput.toFixed(1)} deliveries/s, p50 ${run.latency.p50.toFixed(2)} ms` : `FAILED ${record.violations.join("; ")}`}`);
        }
      }
    }
  } finally {
    await Promise.all(states.map((state) => state.books.close()));
  }
  const title = (share: number) => (share === 0 ? "no duplicates" : `${share * 100}% duplicates (${copiesOf(share)} deliveries per event)`);
  return new Map(states.map((state) => [state.target.name, settings.duplicateShares.map((share) => summarise(`webhooks-${share * 100}`, title(share), settings.connections, state.records.get(share)!))]));
}

async function measure(state: State, connections: number, prefix: string, requested: number, copies: number) {
  const { books } = state;
  const distinct = Math.max(1, Math.round(requested / copies));
  await books.sql.query(
    `INSERT INTO "Order" (id, scope, "idempotencyKey", status, "totalCents", currency, "paymentMethod", "createdAt", "updatedAt")
     SELECT $1 || i, 'bench:webhooks', $1 || i, 'pending', 1800, 'usd', 'pm_card_visa', now(), now() FROM generate_series(0, $2::int - 1) AS i`,
    [prefix, distinct],
  );
  const deliveries = shuffle(Array.from({ length: distinct * copies }, (_, i) => i % distinct), distinct);
  const signed = Array.from({ length: distinct }, (_, i) => signedEvent(`${prefix}${i}`));
  const shot = (i: number): Shot => signed[deliveries[i]!]!;

  const before = await books.ledger(prefix);
  const cpu = state.target.stack.cpu();
  const run = await load({ url: state.target.stack.appUrl, connections, amount: deliveries.length, shot });
  const cpuAfter = state.target.stack.cpu();
  const d = delta(before, await books.ledger(prefix));
  const verdict = new Verdict();
  verdict.expect("answers", run.requests, deliveries.length);
  verdict.expect("connection errors and timeouts", run.errors, 0);
  verdict.expect("200 answers", run.statuses["200"] ?? 0, deliveries.length);
  verdict.expect("answers marked duplicate", run.replies.filter((r) => r.body.includes('"duplicate":true')).length, deliveries.length - distinct);
  verdict.expect("events recorded", await books.count(`SELECT count(*) AS n FROM "WebhookEvent" WHERE id LIKE $1`, [`evt_${prefix}%`]), distinct);
  verdict.expect("orders paid", d.paidOrders, distinct);
  verdict.expect("payment rows", d.payments, distinct);
  verdict.expect("orders paid more than once", d.ordersPaidTwice, 0);
  verdict.expect("confirmations", await books.count(`SELECT count(*) AS n FROM "OutboxMessage" m JOIN "Order" o ON o.id = m."orderId" WHERE o."idempotencyKey" LIKE $1`, [`${prefix}%`]), distinct);
  verdict.expect("charges made by webhooks", d.charges, 0);
  const record: RunRecord = verdict.ok ? { ok: true, metrics: metricsOf(run, distinct, cpu, cpuAfter), counts: { events: distinct, deliveries: deliveries.length } } : { ok: false, violations: verdict.violations };
  return { record, run };
}

/** A payment_intent.succeeded event for order `orderId`, signed as Stripe signs it. */
function signedEvent(orderId: string): Shot {
  const event = {
    id: `evt_${orderId}`,
    object: "event",
    api_version: "2025-01-27.acacia",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "payment_intent.succeeded",
    data: { object: { id: `pi_${orderId}`, object: "payment_intent", amount: 1800, amount_received: 1800, currency: "usd", status: "succeeded", metadata: { orderId } } },
  };
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return { path: "/api/webhooks/stripe", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload, tag: event.id };
}

/** Fisher–Yates with a small seeded generator: the same order for the same run size. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
