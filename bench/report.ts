import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { GrowthResult } from "./growth.ts";
import type { LayerSettings } from "./layer.ts";
import { renderLean } from "./lean.ts";
import { renderReplayCache } from "./replay-cache.ts";
import type { DatabaseResults, Results, Section } from "./results-types.ts";
import type { ScenarioResult } from "./runs.ts";
import type { Spread } from "./stats.ts";

/** Writes `<name>.json` (everything, per run) and `<name>.md` (the tables) into `dir`. */
export function writeResults(results: Results, dir: string, name: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${name}.json`);
  const md = path.join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(md, renderMarkdown(results));
  return [json, md];
}

const num = (value: number, digits = 1) => (Number.isFinite(value) ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "–");
const range = (s: Spread, digits = 1) => `${num(s.median, digits)} [${num(s.min, digits)}–${num(s.max, digits)}]`;
const value = <T>(section: Section<T> | undefined): T | undefined => (section?.ok ? section.value : undefined);
const failed = <T>(section: Section<T> | undefined): string | undefined => (section && !section.ok ? section.error : undefined);

/** The comparisons the issue asks for, from one database's checkout scenarios. */
export function comparisons(db: DatabaseResults, connections: number) {
  const scenarios = value(db.checkout);
  const s = (id: string) => scenarios?.find((scenario) => scenario.id === id)?.summary ?? undefined;
  const [fresh1, naive1, replay1, fresh, naive, replay, storm] = ["fresh-1", "naive-1", "replay-1", `fresh-${connections}`, `naive-${connections}`, `replay-${connections}`, `storm-${connections}`].map(s);
  if (!fresh1 || !naive1 || !replay1 || !fresh || !naive || !replay || !storm) return undefined;
  return {
    guardDeltaMs: fresh1.p50.median - naive1.p50.median,
    guardLatencyRatio: fresh1.p50.median / naive1.p50.median,
    guardThroughputRatio: fresh.throughput.median / naive.throughput.median,
    replaySpeedup: fresh1.p50.median / replay1.p50.median,
    replayThroughputRatio: replay.throughput.median / fresh.throughput.median,
    stormRequestRatio: storm.throughput.median / fresh.throughput.median,
    stormGoodputRatio: storm.goodput.median / fresh.goodput.median,
    /** CPU per request of the app and the stack process together, at full load. */
    guardCpuRatio: (fresh.appCpuMs.median + fresh.ownerCpuMs.median) / (naive.appCpuMs.median + naive.ownerCpuMs.median),
    replayCpuRatio: (fresh.appCpuMs.median + fresh.ownerCpuMs.median) / (replay.appCpuMs.median + replay.ownerCpuMs.median),
  };
}

export function renderMarkdown(results: Results): string {
  const { machine, settings } = results;
  const c = settings.checkout.connections;
  const out: string[] = [];
  const line = (text = "") => out.push(text);
  const dbs = results.databases;

  line(`# The cost of exactly-once: benchmark results${results.mode === "smoke" ? " (smoke run: correctness only, numbers meaningless)" : ""}`);
  line();
  line(`${results.startedAt}, \`npm run ${results.mode === "smoke" ? "bench:smoke" : "bench"}\`, ${num(results.durationSeconds / 60, 1)} min (of which \`next build\` ${num(results.buildSeconds, 0)} s), commit ${machine.commit}.`);
  line(`Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; ${Object.entries(machine.databases).map(([k, v]) => `${k}: ${v}`).join("; ")}; ` +
    `${Object.entries(machine.versions).map(([k, v]) => `${k} ${v}`).join(", ")}.`);
  line(`Load average (1 min) at start ${num(machine.loadAverage.start, 2)}, at end ${num(machine.loadAverage.end ?? Number.NaN, 2)}: other work on a shared machine shows up in every number.`);
  line();
  line(`Every number is the median of ${plural(settings.checkout.runs, "run")}, with [min–max] over the runs; each run is preceded by a warm-up and followed by correctness checks (orders = distinct keys, charges = orders, in the database and at the payments server). A run that fails a check reports no numbers.`);
  line();
  line(results.failures.length === 0 ? "**Correctness: every run passed every check: no duplicate order, charge, payment row or confirmation anywhere.**" : `**Correctness FAILURES (${results.failures.length}):**`);
  for (const failure of results.failures) line(`- ${failure}`);
  line();

  line("## Targets");
  line();
  line("| Target | " + dbs.map((db) => db.label).join(" | ") + " | Verdict |");
  line("| --- | " + dbs.map(() => "---").join(" | ") + " | --- |");
  const cmp = dbs.map((db) => comparisons(db, c));
  const layer = dbs.map((db) => value(db.layer));
  const trips = value(results.anatomy);
  const extraTrips = trips ? trips.fresh.statements - trips.naive.statements : Number.NaN;
  const cells = (fn: (i: number) => string) => dbs.map((db, i) => (db.skipped ? "skipped" : fn(i))).join(" | ");
  const pg = dbs.findIndex((db) => db.kind === "postgres");
  const guardMet = (i: number) => cmp[i] !== undefined && layer[i] !== undefined && cmp[i]!.guardDeltaMs < 1 && layer[i]!.guardCost.median < 1000 && extraTrips <= 1;
  line(`| Guard adds ≤ 1 database round trip, < 1 ms p50 on local PostgreSQL | ${cells((i) => `${mark(guardMet(i))} HTTP p50 +${num(cmp[i]?.guardDeltaMs ?? Number.NaN, 2)} ms (×${num(cmp[i]?.guardLatencyRatio ?? Number.NaN, 2)}); in-process claim + settle statements ${num(layer[i]?.guardCost.median ?? Number.NaN, 0)} µs over the naive place + settle = ${num(layer[i]?.guardCostInRoundTrips ?? Number.NaN, 1)} bare INSERTs`)} | ` +
    `${pg < 0 ? "not measured on PostgreSQL" : guardMet(pg) ? "met" : "**missed**"}: a fresh checkout makes ${trips?.fresh.statements ?? "?"} database round trips, the naive one ${trips?.naive.statements ?? "?"} (+${num(extraTrips, 0)}: the look, which the in-process figure leaves out; see “Round trips”) |`);
  const floorP50 = (i: number) => value(dbs[i]!.checkout)?.find((s) => s.id === "floor-1")?.summary?.p50.median ?? Number.NaN;
  line(`| Replays ≥ 5× faster than a fresh checkout | ${cells((i) => `${mark(cmp[i] && cmp[i]!.replaySpeedup >= 5)} p50 ×${num(cmp[i]?.replaySpeedup ?? Number.NaN, 1)}; req/s ×${num(cmp[i]?.replayThroughputRatio ?? Number.NaN, 1)} at ${c} connections`)} | ` +
    `${verdictAll(cmp.map((x) => x && x.replaySpeedup >= 5))}: a replay is ${trips?.replay.statements ?? "?"} round trips, but also pays the HTTP floor (GET /api/health p50 ${dbs.map((db, i) => `${num(floorP50(i), 1)} ms on ${db.kind}`).join(", ")}) |`);
  line(`| Duplicate storms lose < 10 % of fresh-key throughput | ${cells((i) => `${mark(cmp[i] && cmp[i]!.stormRequestRatio >= 0.9)} requests/s ×${num(cmp[i]?.stormRequestRatio ?? Number.NaN, 2)}; distinct orders/s ×${num(cmp[i]?.stormGoodputRatio ?? Number.NaN, 2)}`)} | ` +
    `${verdictAll(cmp.map((x) => x && x.stormRequestRatio >= 0.9))} in requests/s: duplicates are answered faster than fresh keys (409 or replay), so a storm never slows the server down; distinct orders/s fall because each key's ${settings.checkout.stormDuplicates} copies hold connections too |`);
  line(`| Zero duplicates everywhere | ${cells((i) => `${mark(value(dbs[i]!.audit)?.violations.length === 0)} audit clean`)} | ${results.failures.length === 0 ? "met: every run's checks and every audit passed" : "**missed**"} |`);
  line();

  renderLean(results, line);

  if (trips) {
    line("## Round trips per request");
    line();
    line("Statements each request sends to the database (BEGIN/COMMIT included), counted in-process on the route handlers `next start` runs. They are the same on both databases.");
    line();
    line("| Request | Round trips | of which BEGIN/COMMIT |");
    line("| --- | --- | --- |");
    const rows: [keyof NonNullable<typeof trips>, string][] = [
      ["fresh", "POST /api/checkout, fresh key"],
      ["naive", "POST /api/checkout/naive"],
      ["replay", "POST /api/checkout, finished key (replay)"],
      ["webhookFirst", "POST /api/webhooks/stripe, first delivery"],
      ["webhookDuplicate", "POST /api/webhooks/stripe, duplicate"],
    ];
    for (const [key, title] of rows) line(`| ${title} | ${trips[key].statements} | ${trips[key].transactionControl} |`);
    line();
  }

  line(`## Checkout over HTTP (production build, payments server without latency)`);
  line();
  line(`(a) POST /api/checkout with a fresh Idempotency-Key per request; (b) the same with keys already finished (replays); (c) K keys × ${settings.checkout.stormDuplicates} copies sent back to back over ${c} connections (each key's copies overlap the first, so most get 409 in flight, late ones a replay); (d) POST /api/checkout/naive (no key, no guard). Webhook delivery from the payments server and the app's maintenance loop are off during these runs (webhooks and the purge are measured on their own below). CPU columns: CPU time per request of next-server and of the stack process (the payments server, plus the embedded database for PGlite; PostgreSQL's own CPU is not counted); they are less sensitive than the wall-clock columns to other work on the machine, though not immune.`);
  line();
  for (const db of dbs) {
    line(`### ${db.label}`);
    line();
    if (db.skipped) {
      line(`Skipped: ${db.skipped}`);
      line();
      continue;
    }
    const error = failed(db.checkout);
    if (error) {
      line(`**No numbers: ${error}**`);
      line();
      continue;
    }
    scenarioTable(value(db.checkout) ?? [], "orders/s", line);
    const x = cmp[dbs.indexOf(db)];
    if (x) {
      line(`Guard overhead (a)/(d): p50 latency ×${num(x.guardLatencyRatio, 2)} (+${num(x.guardDeltaMs, 2)} ms) one request at a time; throughput ×${num(x.guardThroughputRatio, 2)} at ${c} connections; CPU per request ×${num(x.guardCpuRatio, 2)}. ` +
        `Replay speed-up (a)/(b): ×${num(x.replaySpeedup, 1)} in p50 latency; replays/s ÷ fresh checkouts/s ×${num(x.replayThroughputRatio, 1)}; CPU per request ×${num(x.replayCpuRatio, 1)}. ` +
        `Storm: requests/s ×${num(x.stormRequestRatio, 2)} and distinct orders/s ×${num(x.stormGoodputRatio, 2)} of fresh keys'.`);
      line();
    }
    const audit = value(db.audit);
    if (audit) line(`Audit after all HTTP runs: ${audit.orders} checkout orders, ${audit.charges} charges (${audit.stripeOnlyCharges ?? 0} of them by the Stripe-only route, without an order), ${audit.records} idempotency records, ${audit.webhookOrders} webhook-benchmark orders; ${audit.violations.length === 0 ? "all consistent" : audit.violations.join("; ")}.`);
    else if (failed(db.audit)) line(`Audit failed: ${failed(db.audit)}`);
    line();
  }
  if (dbs.some((db) => db.kind === "pglite" && !db.skipped)) {
    line(`The embedded PGlite runs one transaction at a time across all connections (scripts/db/protocol-queue.ts), and a transaction holds it for all of its round trips to the app: more connections add queueing, not throughput, so its concurrent numbers show contention rather than capacity.`);
    line();
  }

  renderLayer(dbs, settings.layer, line);

  line(`## Webhooks (POST /api/webhooks/stripe, ${settings.webhooks.connections} connections)`);
  line();
  line("Signed payment_intent.succeeded events (stripe.webhooks.generateTestHeaderString, the app's secret) for pending orders; with duplicates every event is delivered 5 times in shuffled order. Checked: every event paid its order once, one payment row and one confirmation per order, every other delivery answered `duplicate: true`.");
  line();
  for (const db of dbs) {
    if (db.skipped) continue;
    line(`### ${db.label}`);
    line();
    const error = failed(db.webhooks);
    if (error) line(`**No numbers: ${error}**`);
    else scenarioTable(value(db.webhooks) ?? [], "events applied/s", line, "deliveries/s");
    line();
  }

  renderReplayCache(dbs, settings.replayCache, results.replayCacheSkipped, line);

  line("## Growth of the IdempotencyRecord table");
  line();
  line(`In-process, on the databases of the layer benchmark: one table per size, filled with INSERT … SELECT … generate_series (ids ordered by age like cuids, random keys, a stored answer of realistic size) and analysed; the largest is the real IdempotencyRecord table, the smaller ones copies of it (LIKE … INCLUDING ALL) in schemas of their own. ` +
    `Then ${settings.growth.postgres.rounds} rounds in which every size takes its turn: ${settings.growth.postgres.probes} claims of fresh keys and ${settings.growth.postgres.probes} replays of random existing keys one at a time, and ${settings.growth.postgres.concurrentClaims} fresh claims with ${settings.growth.postgres.concurrency} in flight (claims/s: median over the rounds). ` +
    `Sizes: ${dbs.filter((db) => !db.skipped).map((db) => `${db.label} up to ${Math.max(...settings.growth[db.kind].sizes).toLocaleString("en-US")} rows`).join(", ")}` +
    `${settings.growth.pglite.sizes.length < settings.growth.postgres.sizes.length ? " (filling 10^6 rows into the embedded WebAssembly database takes minutes, so it stops earlier)" : ""}.`);
  line();
  for (const db of dbs) {
    if (db.skipped) continue;
    const g = value(db.growth);
    line(`### ${db.label}`);
    line();
    if (!g) {
      line(`**No numbers: ${failed(db.growth)}**`);
      line();
      continue;
    }
    growthTables(g, settings.growth[db.kind].concurrency, line);
  }
  return `${out.join("\n")}\n`;
}

/** The layer section (bench/layer.ts); also `npm run bench:layer` on its own (bench/layer-alone.ts). */
export function renderLayer(dbs: DatabaseResults[], layer: LayerSettings, line: (text?: string) => void): void {
  line("## The guard's writes alone: claim + settle against the naive place + settle (in-process, one request at a time, µs)");
  line();
  line(`${layer.iterations} iterations × ${plural(layer.runs, "run")} per database, variants alternating, each through the app's own statement code (lib/checkout/statements/) on a client from lib/db's createDb. Floor: one bare INSERT of an order (one round trip), through Prisma as the app sends it; the node-postgres column is the same INSERT without the ORM. Naive: what the naive checkout writes around its Stripe call, its place statement (lines priced, order, items, timeline step) then its settle statement. Guarded: what the checkout writes around its Stripe call for a fresh key, its claim statement (record, order, items, timeline) then its settle statement storing the answer in the record; the claim and settle columns split it. Guard cost: median over iterations of guarded − naive. Left out: the look, the checkout's first statement (the key's record and the lines priced, which the naive place statement prices itself), one more round trip; and the Stripe call (each settle records the same succeeded PaymentIntent).`);
  line();
  line("| Database | 1 INSERT, node-postgres | Floor: 1 INSERT, Prisma | Naive (place + settle) | Guarded (claim + settle) | of which claim | of which settle | Guard cost | Guard cost in bare INSERTs |");
  line("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const db of dbs) {
    const l = value(db.layer);
    if (l) line(`| ${db.label} | ${range(l.rawInsert, 0)} | ${range(l.floorInsert, 0)} | ${range(l.naive, 0)} | ${range(l.guarded, 0)} | ${range(l.claim, 0)} | ${range(l.settle, 0)} | ${range(l.guardCost, 0)} | ${num(l.guardCostInRoundTrips, 2)} |`);
    else line(`| ${db.label} | ${db.skipped ? "skipped" : `no numbers: ${failed(db.layer)}`} | | | | | | | |`);
  }
  line();
}

function scenarioTable(scenarios: ScenarioResult[], goodputLabel: string, line: (text?: string) => void, throughputLabel = "requests/s") {
  line(`| Scenario | Connections | ${throughputLabel} | ${goodputLabel} | p50 ms | p95 ms | p99 ms | App CPU ms/request | Stack process CPU ms/request | Requests per run | Correct runs |`);
  line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const s of scenarios) {
    const ok = s.runs.filter((run) => run.ok).length;
    if (!s.summary) {
      const why = s.runs.flatMap((run) => (run.ok ? [] : run.violations)).join("; ");
      line(`| ${s.title} | ${s.connections} | no numbers: ${why} | | | | | | | | ${ok}/${s.runs.length} |`);
      continue;
    }
    const m = s.summary;
    line(`| ${s.title} | ${s.connections} | ${range(m.throughput)} | ${m.goodput.median > 0 ? range(m.goodput) : "–"} | ${range(m.p50, 2)} | ${num(m.p95.median, 2)} | ${num(m.p99.median, 2)} | ${num(m.appCpuMs.median, 1)} | ${num(m.ownerCpuMs.median, 1)} | ${num(m.requests.median, 0)} | ${ok}/${s.runs.length} |`);
  }
  line();
}

function growthTables(g: GrowthResult, concurrency: number, line: (text?: string) => void) {
  line(`| Rows | Table + indexes | Fill (INSERT … SELECT) | Fresh claim p50 / p99 µs | Replay claim p50 / p99 µs | Fresh claims/s (${concurrency} in flight) | Load average | Key lookup plan |`);
  line("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const p of g.points) {
    line(`| ${p.rows.toLocaleString("en-US")} | ${num(p.tableMB, 1)} MB | ${num(p.fillSeconds, 1)} s | ${num(p.freshClaimUs.p50, 0)} / ${num(p.freshClaimUs.p99, 0)} | ${num(p.replayClaimUs.p50, 0)} / ${num(p.replayClaimUs.p99, 0)} | ${num(p.claimsPerSecond, 0)} | ${num(p.loadAverage, 1)} | ${p.lookupUsesIndex ? "✓" : "✗"} ${p.lookupPlan} |`);
  }
  line();
  line("Key lookup (claim's SELECT of an existing key) and the claim's INSERT on a taken key, at the largest size:");
  line();
  line("```");
  for (const planLine of [...g.explain.lookup, "", ...g.explain.claimInsert]) line(planLine);
  line("```");
  line();
  const p = g.purge;
  line(`Purge: ${p.expired.toLocaleString("en-US")} expired records (the oldest ${Math.round((p.expired / (p.rowsBefore - p.expired)) * 100)} %) on top of ${(p.rowsBefore - p.expired).toLocaleString("en-US")}; lib/idempotency purgeExpired (batches of 1000, as the maintenance loop calls it) until it finds nothing: ` +
    `${p.finished ? "done" : "NOT done within the time budget"} in ${num(p.seconds, 1)} s, ${p.batches} calls, ${num(p.rowsPerSecond, 0)} rows/s, batch p50 ${num(p.batchMs.p50, 1)} ms (max ${num(p.batchMs.max, 1)} ms); ${p.rowsAfter.toLocaleString("en-US")} rows left. ` +
    `Then nothing is expired, and each call (what every maintenance tick pays; median of 3) costs ${num(p.idleCallMs.staleStatistics, 1)} ms with the statistics the purge left behind, ${num(p.idleCallMs.freshStatistics, 1)} ms after ANALYZE; the same SELECT ordered by "expiresAt" instead of id takes ${num(p.idleCallMs.orderedByExpiresAt, 1)} ms with the stale statistics.`);
  line();
  line("The purge's SELECT (Prisma adds ORDER BY id to `take`), before the purge and when idle afterwards:");
  line();
  line("```");
  for (const planLine of [...p.planBefore, "", ...p.planIdleStale]) line(planLine);
  line("```");
  line();
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function verdictAll(flags: (boolean | undefined)[]): string {
  const known = flags.filter((flag): flag is boolean => flag !== undefined);
  if (known.length === 0) return "not measured";
  return known.every(Boolean) ? "met" : known.some(Boolean) ? "**partly missed**" : "**missed**";
}

const mark = (ok: boolean | undefined) => (ok === undefined ? "–" : ok ? "✓" : "✗");
