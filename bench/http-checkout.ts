import { randomBytes } from "node:crypto";
import { DEFAULT_DEMO_API_KEY } from "../prisma/seed.ts";
import { Books, delta, Verdict, type Ledger } from "./ledger.ts";
import { amountFor, load, type LoadRun, type Reply, type Shot } from "./load.ts";
import { metricsOf, summarise, type RunRecord, type ScenarioResult } from "./runs.ts";
import type { Stack } from "./stack.ts";

export type CheckoutSettings = { runs: number; connections: number; seconds: number; warmupRequests: number; bounds: { min: number; max: number }; stormDuplicates: number };

type Kind = "fresh" | "replay" | "storm" | "naive";
type Scenario = { id: string; kind: Kind; connections: number; title: string };

const BODY = JSON.stringify({ items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" });
const AUTH = { authorization: `Bearer ${process.env.DEMO_API_KEY ?? DEFAULT_DEMO_API_KEY}`, "content-type": "application/json" };

/**
 * POST /api/checkout against the running stack: (a) fresh keys, (b) replays of finished keys,
 * (c) duplicate storms of K keys × D copies, (d) the naive route without a guard; serially (one
 * connection: latency without queueing) and under load. Warm-up first, then the scenarios take
 * turns round by round, so that drift on a shared machine hits all of them alike.
 */
export async function checkoutSuite(stack: Stack, settings: CheckoutSettings, log: (line: string) => void): Promise<ScenarioResult[]> {
  const c = settings.connections;
  const D = settings.stormDuplicates;
  const scenarios: Scenario[] = [
    { id: "fresh-1", kind: "fresh", connections: 1, title: "(a) idempotent, fresh keys" },
    { id: "naive-1", kind: "naive", connections: 1, title: "(d) naive, no guard" },
    { id: "replay-1", kind: "replay", connections: 1, title: "(b) replay of a finished key" },
    { id: `fresh-${c}`, kind: "fresh", connections: c, title: "(a) idempotent, fresh keys" },
    { id: `naive-${c}`, kind: "naive", connections: c, title: "(d) naive, no guard" },
    { id: `replay-${c}`, kind: "replay", connections: c, title: "(b) replay of a finished key" },
    { id: `storm-${c}`, kind: "storm", connections: c, title: `(c) duplicate storm, K keys × ${D} copies` },
  ];
  // Webhook deliveries would compete with the checkouts for the database: measured on their own.
  await fetch(`${stack.paymentsUrl}/_test/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ webhookUrl: null }) });

  const books = new Books(stack.databaseUrl, stack.paymentsUrl);
  const tag = randomBytes(3).toString("hex");
  const replayPool: string[] = [];
  const amounts = new Map<string, number>();
  const records = new Map<string, RunRecord[]>(scenarios.map((s) => [s.id, []]));
  try {
    for (const scenario of scenarios) {
      const warm = await measure(books, stack, scenario, `bench-${tag}-${scenario.id}-w-`, settings.warmupRequests, replayPool, D);
      if (!warm.record.ok) throw new Error(`warm-up of ${scenario.id} failed: ${warm.record.violations.join("; ")}`);
      if (scenario.kind === "fresh" && replayPool.length < 200) replayPool.push(...warm.keys);
      amounts.set(scenario.id, amountFor(warm.run, settings.seconds, settings.bounds));
      log(`  warm-up ${scenario.id}: ${warm.run.throughput.toFixed(1)} req/s → ${amounts.get(scenario.id)} requests per run`);
    }
    for (let round = 1; round <= settings.runs; round++) {
      for (const scenario of scenarios) {
        const { record, run } = await measure(books, stack, scenario, `bench-${tag}-${scenario.id}-${round}-`, amounts.get(scenario.id)!, replayPool, D);
        records.get(scenario.id)!.push(record);
        log(`  ${scenario.id} run ${round}: ${record.ok ? `${run.throughput.toFixed(1)} req/s, p50 ${run.latency.p50.toFixed(2)} ms` : `FAILED ${record.violations.join("; ")}`}`);
      }
    }
  } finally {
    await books.close();
  }
  return scenarios.map((s) => summarise(s.id, s.title, s.connections, records.get(s.id)!));
}

async function measure(books: Books, stack: Stack, scenario: Scenario, prefix: string, requested: number, pool: string[], D: number) {
  const amount = scenario.kind === "storm" ? Math.max(scenario.connections, Math.round(requested / D)) * D : requested;
  const shot = (i: number): Shot => {
    switch (scenario.kind) {
      case "naive":
        return { path: "/api/checkout/naive", headers: AUTH, body: BODY, tag: String(i) };
      case "replay":
        return keyed(pool[i % pool.length]!);
      case "storm":
        return keyed(`${prefix}${Math.floor(i / D)}`);
      case "fresh":
        return keyed(`${prefix}${i}`);
    }
  };
  const ledgerPrefix = scenario.kind === "naive" ? "naive_" : prefix;
  const before = await books.ledger(ledgerPrefix);
  const totalBefore = await books.count(`SELECT count(*) AS n FROM "Order"`);
  const run = await load({ url: stack.appUrl, connections: scenario.connections, amount, shot });
  const after = await books.ledger(ledgerPrefix);
  const created = (await books.count(`SELECT count(*) AS n FROM "Order"`)) - totalBefore;

  const verdict = new Verdict();
  verdict.expect("answers", run.requests, amount);
  verdict.expect("connection errors and timeouts", run.errors, 0);
  const orders = await verify(books, scenario.kind, run, delta(before, after), created, verdict, amount / (scenario.kind === "storm" ? D : 1));
  const keys = [...new Set(run.replies.map((reply) => reply.tag))];
  const record: RunRecord = verdict.ok
    ? { ok: true, metrics: metricsOf(run, orders), counts: { conflicts409: run.statuses["409"] ?? 0, replayed: run.replies.filter((r) => r.replayed).length } }
    : { ok: false, violations: verdict.violations };
  return { record, run, keys };
}

const keyed = (key: string): Shot => ({ path: "/api/checkout", headers: { ...AUTH, "idempotency-key": key }, body: BODY, tag: key });

/**
 * The invariants of each scenario, from the answers, the database and the payments server.
 * Returns the number of orders the run created (its useful work).
 */
async function verify(books: Books, kind: Kind, run: LoadRun, d: Ledger, createdOrders: number, verdict: Verdict, distinctKeys: number): Promise<number> {
  const byStatus = (status: number) => run.replies.filter((reply) => reply.status === status);
  verdict.expect("orders created in the whole database", createdOrders, kind === "replay" ? 0 : distinctKeys);
  verdict.expect("PaymentIntents created", d.paymentIntents, createdOrders);
  verdict.expect("charges", d.charges, createdOrders);
  verdict.expect("orders paid more than once", d.ordersPaidTwice, 0);
  if (kind !== "replay") {
    verdict.expect("orders of this run", d.orders, distinctKeys);
    verdict.expect("paid orders of this run", d.paidOrders, distinctKeys);
    verdict.expect("payment rows of this run", d.payments, distinctKeys);
  }
  switch (kind) {
    case "fresh":
    case "naive":
      verdict.expect("201 answers", byStatus(201).length, run.requests);
      verdict.expect("replayed answers", run.replies.filter((r) => r.replayed).length, 0);
      break;
    case "replay": {
      verdict.expect("replayed 201 answers", run.replies.filter((r) => r.status === 201 && r.replayed).length, run.requests);
      const original = await orderIds(books, [...new Set(run.replies.map((r) => r.tag))]);
      verdict.expect("replays naming another order than the key's", run.replies.filter((r) => orderIdOf(r) !== original.get(r.tag)).length, 0);
      break;
    }
    case "storm": {
      verdict.expect("answers other than 201 or 409", run.replies.filter((r) => r.status !== 201 && r.status !== 409).length, 0);
      const firsts = new Map<string, number>();
      for (const reply of byStatus(201).filter((r) => !r.replayed)) firsts.set(reply.tag, (firsts.get(reply.tag) ?? 0) + 1);
      verdict.expect("keys answered 201 without replay", firsts.size, distinctKeys);
      verdict.expect("keys executed more than once", [...firsts.values()].filter((n) => n > 1).length, 0);
      const original = await orderIds(books, [...firsts.keys()]);
      verdict.expect("201 answers naming another order than the key's", byStatus(201).filter((r) => orderIdOf(r) !== original.get(r.tag)).length, 0);
      break;
    }
  }
  return kind === "replay" ? 0 : distinctKeys;
}

function orderIdOf(reply: Reply): string | undefined {
  try {
    return (JSON.parse(reply.body) as { order?: { id?: string } }).order?.id;
  } catch {
    return undefined;
  }
}

async function orderIds(books: Books, keys: string[]): Promise<Map<string, string>> {
  const { rows } = await books.sql.query<{ key: string; id: string }>(`SELECT "idempotencyKey" AS key, id FROM "Order" WHERE "idempotencyKey" = ANY($1)`, [keys]);
  return new Map(rows.map((row) => [row.key, row.id]));
}
