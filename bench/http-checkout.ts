import { randomBytes } from "node:crypto";
import { Books, delta, Verdict, type Ledger } from "./ledger.ts";
import { amountFor, load, type LoadRun, type Reply, type Shot } from "./load.ts";
import { metricsOf, summarise, type RunRecord, type ScenarioResult } from "./runs.ts";
import { DEMO_API_KEY, type Target } from "./stack.ts";

export type CheckoutSettings = { runs: number; connections: number; seconds: number; warmupRequests: number; bounds: { min: number; max: number }; stormDuplicates: number };

type Kind = "floor" | "stripe" | "fresh" | "replay" | "storm" | "naive";
type Scenario = { id: string; kind: Kind; connections: number; title: string };

const BODY = JSON.stringify({ items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" });
const JSON_BODY = { "content-type": "application/json" };
const AUTH = { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" };
const COLD_START_REQUESTS = 10;
const FLOOR_TITLE = "HTTP floor: GET /api/health (SELECT 1)";
const STRIPE_TITLE = "Stripe call only: POST /api/checkout/stripe-only (no database)";

/** What one stack accumulates over the suite. */
type State = { target: Target; books: Books; replayPool: string[]; amounts: Map<string, number>; records: Map<string, RunRecord[]> };

/**
 * POST /api/checkout on each stack: (a) fresh keys, (b) replays of finished keys, (c) duplicate
 * storms of K keys × D copies, (d) the naive route without a guard; one request at a time
 * (latency without queueing) and under load, plus two floors: GET /api/health (Next.js and one
 * SELECT 1) and the Stripe call alone (Next.js, the SDK and the payments server, no database),
 * which issue 15's ratios divide by (bench/lean.ts). Cold start and warm-up first; then the
 * scenarios take turns round by round, alternating the stacks, so that load from elsewhere on a
 * shared machine hits every scenario and database alike.
 */
export async function checkoutSuite(targets: Target[], settings: CheckoutSettings, log: (line: string) => void): Promise<Map<string, ScenarioResult[]>> {
  const c = settings.connections;
  const D = settings.stormDuplicates;
  const scenarios: Scenario[] = [
    { id: "floor-1", kind: "floor", connections: 1, title: FLOOR_TITLE },
    { id: "stripe-1", kind: "stripe", connections: 1, title: STRIPE_TITLE },
    { id: "fresh-1", kind: "fresh", connections: 1, title: "(a) idempotent, fresh keys" },
    { id: "naive-1", kind: "naive", connections: 1, title: "(d) naive, no guard" },
    { id: "replay-1", kind: "replay", connections: 1, title: "(b) replay of a finished key" },
    { id: `floor-${c}`, kind: "floor", connections: c, title: FLOOR_TITLE },
    { id: `stripe-${c}`, kind: "stripe", connections: c, title: STRIPE_TITLE },
    { id: `fresh-${c}`, kind: "fresh", connections: c, title: "(a) idempotent, fresh keys" },
    { id: `naive-${c}`, kind: "naive", connections: c, title: "(d) naive, no guard" },
    { id: `replay-${c}`, kind: "replay", connections: c, title: "(b) replay of a finished key" },
    { id: `storm-${c}`, kind: "storm", connections: c, title: `(c) duplicate storm, K keys × ${D} copies` },
  ];
  const tag = randomBytes(3).toString("hex");
  const states: State[] = targets.map((target) => ({
    target,
    books: new Books(target.stack.databaseUrl, target.stack.paymentsUrl),
    replayPool: [],
    amounts: new Map(),
    records: new Map(scenarios.map((s) => [s.id, []])),
  }));
  try {
    for (const state of states) {
      // Webhook deliveries would compete with the checkouts for the database: measured on their own.
      const { paymentsUrl } = state.target.stack;
      await fetch(`${paymentsUrl}/_test/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ webhookUrl: null }) });
      // Cold start: compiles the routes and fills the pool of finished keys for the replays.
      for (const kind of ["floor", "stripe", "naive", "fresh"] as const) {
        const cold = await measure(state, { id: `cold-${kind}`, kind, connections: 1, title: "" }, `bench-${tag}-cold-`, COLD_START_REQUESTS, D);
        if (!cold.record.ok) throw new Error(`${state.target.name} cold start (${kind}) failed: ${cold.record.violations.join("; ")}`);
        if (kind === "fresh") state.replayPool.push(...cold.keys);
      }
      for (const scenario of scenarios) {
        const warm = await measure(state, scenario, `bench-${tag}-${scenario.id}-w-`, settings.warmupRequests, D);
        if (!warm.record.ok) throw new Error(`${state.target.name} warm-up of ${scenario.id} failed: ${warm.record.violations.join("; ")}`);
        if (scenario.kind === "fresh" && state.replayPool.length < 200) state.replayPool.push(...warm.keys);
        state.amounts.set(scenario.id, amountFor(warm.run, settings.seconds, settings.bounds));
      }
      log(`  ${state.target.name} warm: ${scenarios.map((s) => `${s.id} ${state.amounts.get(s.id)}`).join(", ")} requests per run`);
    }
    for (let round = 1; round <= settings.runs; round++) {
      for (const scenario of scenarios) {
        for (const state of round % 2 ? states : [...states].reverse()) {
          const { record, run } = await measure(state, scenario, `bench-${tag}-${scenario.id}-${round}-`, state.amounts.get(scenario.id)!, D);
          state.records.get(scenario.id)!.push(record);
          // The next round is sized from this one: warm-ups on a busy machine misjudge the rate.
          if (record.ok) state.amounts.set(scenario.id, amountFor(run, settings.seconds, settings.bounds));
          log(`  ${state.target.name} ${scenario.id} run ${round}: ${record.ok ? `${run.throughput.toFixed(1)} req/s, p50 ${run.latency.p50.toFixed(2)} ms` : `FAILED ${record.violations.join("; ")}`}`);
        }
      }
    }
  } finally {
    await Promise.all(states.map((state) => state.books.close()));
  }
  return new Map(states.map((state) => [state.target.name, scenarios.map((s) => summarise(s.id, s.title, s.connections, state.records.get(s.id)!))]));
}

async function measure(state: State, scenario: Scenario, prefix: string, requested: number, D: number) {
  const { books, replayPool: pool } = state;
  const amount = scenario.kind === "storm" ? Math.max(scenario.connections, Math.round(requested / D)) * D : requested;
  const shot = (i: number): Shot => {
    switch (scenario.kind) {
      case "floor":
        return { method: "GET", path: "/api/health", headers: {}, tag: String(i) };
      case "stripe":
        return { path: "/api/checkout/stripe-only", headers: JSON_BODY, body: BODY, tag: String(i) };
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
  const cpu = state.target.stack.cpu();
  const run = await load({ url: state.target.stack.appUrl, connections: scenario.connections, amount, shot });
  const cpuAfter = state.target.stack.cpu();
  const after = await books.ledger(ledgerPrefix);
  const created = (await books.count(`SELECT count(*) AS n FROM "Order"`)) - totalBefore;

  const verdict = new Verdict();
  verdict.expect("answers", run.requests, amount);
  verdict.expect("connection errors and timeouts", run.errors, 0);
  const distinctKeys = scenario.kind === "storm" ? amount / D : amount;
  const orders = await verify(books, scenario.kind, run, delta(before, after), created, verdict, distinctKeys);
  const keys = [...new Set(run.replies.map((reply) => reply.tag))];
  const record: RunRecord = verdict.ok
    ? { ok: true, metrics: metricsOf(run, orders, cpu, cpuAfter), counts: { conflicts409: run.statuses["409"] ?? 0, replayed: run.replies.filter((r) => r.replayed).length } }
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
  const creates = kind === "fresh" || kind === "naive" || kind === "storm";
  verdict.expect("orders created in the whole database", createdOrders, creates ? distinctKeys : 0);
  // The Stripe-only route charges without an order: one PaymentIntent and one charge per request.
  const charged = kind === "stripe" ? run.requests : createdOrders;
  verdict.expect("PaymentIntents created", d.paymentIntents, charged);
  verdict.expect("charges", d.charges, charged);
  verdict.expect("orders paid more than once", d.ordersPaidTwice, 0);
  if (creates) {
    verdict.expect("orders of this run", d.orders, distinctKeys);
    verdict.expect("paid orders of this run", d.paidOrders, distinctKeys);
    verdict.expect("payment rows of this run", d.payments, distinctKeys);
  }
  switch (kind) {
    case "floor":
      verdict.expect("200 answers", byStatus(200).length, run.requests);
      break;
    case "fresh":
    case "naive":
    case "stripe":
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
  return creates ? distinctKeys : 0;
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
