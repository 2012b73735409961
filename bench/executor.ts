import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { buildIfStale } from "../e2e/support/build.ts";
import { freePort } from "../scripts/free-port.ts";
import { createTestDatabase, postgresReachable, type TestDatabase } from "../test/setup/database.ts";
import { auditStack } from "./audit.ts";
import { checkoutSuite, type CheckoutSettings } from "./http-checkout.ts";
import { databaseVersion, describeMachine } from "./machine.ts";
import type { ScenarioResult } from "./runs.ts";
import { DEMO_API_KEY, startStack, WEBHOOK_SECRET, type Stack } from "./stack.ts";
import { spread, type Spread } from "./stats.ts";

/**
 * `npm run bench:executor` (issue 15): do the hot path's four statements (lib/checkout/statements)
 * cost the app less run with node-postgres on the adapter's own pool than through Prisma's
 * $queryRaw? On PostgreSQL, both ways in one run (lib/sql.ts, HOT_PATH_SQL):
 *
 * 1. in-process: the checkout and naive route handlers called directly, blocks of requests
 *    alternating between the two executors (switched in lib/sql.ts's `sql` object), this process's
 *    CPU per request (the payments server is another process);
 * 2. over HTTP: two stacks of the same build on two databases, HOT_PATH_SQL=prisma and =pg, the
 *    checkout suite (bench/http-checkout.ts) taking turns between them scenario by scenario; app
 *    CPU per request and throughput, and per round the pg ÷ $queryRaw ratio of the two runs that
 *    ran back to back. Health and Stripe-only run no hot-path statement: they show the noise.
 *
 * Options: --runs N (HTTP rounds, 5), --seconds S (per HTTP run, 3), --rounds N (in-process, 15),
 * --in-process-only. Writes bench/results/executor.md and bench/results/raw/executor-<time>.json.
 */

type Mode = "prisma" | "pg";
const MODES: Mode[] = ["prisma", "pg"];
const LABEL: Record<Mode, string> = { prisma: "$queryRaw", pg: "pg pool" };
type Kind = "fresh" | "replay" | "naive";
const KINDS: Kind[] = ["fresh", "replay", "naive"];

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const settings = {
  inProcess: { rounds: option("rounds", 15), block: 40, warmup: 40 },
  checkout: { runs: option("runs", 5), connections: 8, seconds: option("seconds", 3), warmupRequests: 24, bounds: { min: 24, max: 3000 }, stormDuplicates: 5 } satisfies CheckoutSettings,
};
const inProcessOnly = process.argv.includes("--in-process-only");
const log = (text: string) => console.log(text);

type InProcessResult = Record<Kind, { cpuUs: Record<Mode, Spread>; wallMs: Record<Mode, Spread>; ratio: Spread }> & { calls: Record<Mode, { pool: number; queryRaw: number }> };

/** Part 1: the route handlers in this process, the executor switched per block of requests. */
async function inProcess(paymentsUrl: string): Promise<InProcessResult> {
  await fetch(`${paymentsUrl}/_test/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ webhookUrl: null }) });
  Object.assign(process.env, { STRIPE_API_URL: paymentsUrl, STRIPE_SECRET_KEY: "sk_test_local_development", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, DEMO_UNSAFE_CHECKOUT: "1", LOG_LEVEL: "silent", DISABLE_MAINTENANCE: "1" });
  const { sql, onPool } = await import("../lib/sql.ts");
  const { poolOf } = await import("../lib/db.ts");
  const checkoutRoute = await import("../app/api/checkout/route.ts");
  const naiveRoute = await import("../app/api/checkout/naive/route.ts");

  let mode: Mode = "prisma";
  const calls = { prisma: { pool: 0, queryRaw: 0 }, pg: { pool: 0, queryRaw: 0 } };
  sql.query = (client, statement) => {
    const pool = mode === "pg" ? poolOf(client) : undefined;
    calls[mode][pool ? "pool" : "queryRaw"] += 1;
    return pool ? onPool(pool, statement) : client.$queryRaw<unknown[]>(statement);
  };

  const tag = randomBytes(3).toString("hex");
  let n = 0;
  const finished: string[] = [];
  const body = JSON.stringify({ items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" });
  const post = async (handler: (request: Request) => Promise<Response>, key?: string) => {
    const headers = { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) };
    const answer = await handler(new Request("http://bench.local/", { method: "POST", headers, body }));
    if (answer.status !== 201) throw new Error(`in-process ${key ?? "naive"}: ${answer.status} ${await answer.text()}`);
    return answer;
  };
  const request: Record<Kind, () => Promise<unknown>> = {
    fresh: async () => {
      const key = `bench-exec-${tag}-${n++}`;
      await post(checkoutRoute.POST, key);
      if (finished.length < 500) finished.push(key);
    },
    replay: async () => {
      const answer = await post(checkoutRoute.POST, finished[n++ % finished.length]);
      if (answer.headers.get("idempotent-replayed") !== "true") throw new Error("in-process: a replay was not replayed");
    },
    naive: () => post(naiveRoute.POST),
  };
  const block = async (kind: Kind, count: number) => {
    const [cpu, started] = [process.cpuUsage(), performance.now()];
    for (let i = 0; i < count; i++) await request[kind]();
    const used = process.cpuUsage(cpu);
    return { cpuUs: (used.user + used.system) / count, wallMs: (performance.now() - started) / count };
  };

  const samples = Object.fromEntries(KINDS.map((kind) => [kind, { prisma: [] as { cpuUs: number; wallMs: number }[], pg: [] as { cpuUs: number; wallMs: number }[] }])) as Record<Kind, Record<Mode, { cpuUs: number; wallMs: number }[]>>;
  try {
    for (const m of MODES) {
      mode = m;
      for (const kind of KINDS) await block(kind, settings.inProcess.warmup);
    }
    for (let round = 1; round <= settings.inProcess.rounds; round++) {
      for (const kind of KINDS) {
        for (const m of round % 2 ? MODES : [...MODES].reverse()) {
          mode = m;
          samples[kind][m].push(await block(kind, settings.inProcess.block));
        }
      }
      log(`  in-process round ${round}: ${KINDS.map((k) => `${k} ${MODES.map((m) => `${samples[k][m].at(-1)!.cpuUs.toFixed(0)}`).join("/")} µs`).join(", ")} ($queryRaw/pg)`);
    }
  } finally {
    mode = "prisma";
  }
  if (calls.pg.pool === 0 || calls.prisma.pool > 0) throw new Error(`in-process: the executor switch did not take (${JSON.stringify(calls)})`);
  const result = { calls } as InProcessResult;
  for (const kind of KINDS) {
    const s = samples[kind];
    result[kind] = {
      cpuUs: { prisma: spread(s.prisma.map((x) => x.cpuUs)), pg: spread(s.pg.map((x) => x.cpuUs)) },
      wallMs: { prisma: spread(s.prisma.map((x) => x.wallMs)), pg: spread(s.pg.map((x) => x.wallMs)) },
      ratio: spread(s.pg.map((x, i) => x.cpuUs / s.prisma[i]!.cpuUs)),
    };
  }
  return result;
}

type PairedScenario = { id: string; title: string; runs: Record<Mode, ScenarioResult>; cpuRatio: Spread | null; throughputRatio: Spread | null };

/** Per round, pg ÷ $queryRaw of the two runs of one scenario that ran back to back. */
function pair(byMode: Record<Mode, ScenarioResult[]>): PairedScenario[] {
  return byMode.prisma.map((prisma) => {
    const pgRuns = byMode.pg.find((s) => s.id === prisma.id)!;
    const ratios = (metric: "appCpuMs" | "throughput") => {
      const values = prisma.runs.flatMap((a, i) => {
        const b = pgRuns.runs[i];
        return a.ok && b?.ok && a.metrics[metric] > 0 ? [b.metrics[metric] / a.metrics[metric]] : [];
      });
      return values.length ? spread(values) : null;
    };
    return { id: prisma.id, title: prisma.title, runs: { prisma, pg: pgRuns }, cpuRatio: ratios("appCpuMs"), throughputRatio: ratios("throughput") };
  });
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const cell = (s: Spread | null | undefined, digits = 2) => (s ? `${fmt(s.median, digits)} [${fmt(s.min, digits)}–${fmt(s.max, digits)}]` : "–");

function render(r: { startedAt: string; machine: ReturnType<typeof describeMachine>; inProcess: InProcessResult | null; http: PairedScenario[] | null; audits: string[] }): string {
  const out: string[] = [];
  const line = (text = "") => out.push(text);
  line("# The hot path's statements: $queryRaw or the adapter's pg pool (issue 15)");
  line();
  line(`${r.startedAt}, \`npm run bench:executor\`, commit ${r.machine.commit}, ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, ${Object.values(r.machine.databases).join("; ")}. ` +
    `Load average (1 min) ${fmt(r.machine.loadAverage.start)} at start, ${fmt(r.machine.loadAverage.end ?? Number.NaN)} at end.`);
  line();
  line("Both ways in one run (lib/sql.ts, `HOT_PATH_SQL`): the look, claim, settle and naive statements through Prisma's `$queryRaw`, or node-postgres on the same pool with the same row shapes. Everything else (the API key lookup, Stripe, the answer) is the same code.");
  line();
  if (r.inProcess) {
    const ip = r.inProcess;
    line(`## In-process: CPU per request`);
    line();
    line(`The route handlers called in this process against PostgreSQL, one request at a time, blocks of ${settings.inProcess.block} requests alternating between the executors (switched per block), ${settings.inProcess.rounds} rounds; this process's CPU (user + system) per request, the payments server being another process; median [min–max] over the rounds. pg ÷ $queryRaw is per round (the two blocks ran back to back).`);
    line();
    line("| Request | $queryRaw CPU µs | pg pool CPU µs | saved µs (medians) | pg ÷ $queryRaw CPU | $queryRaw wall ms | pg pool wall ms |");
    line("| --- | --- | --- | --- | --- | --- | --- |");
    for (const kind of KINDS) {
      const k = ip[kind];
      line(`| ${kind} | ${cell(k.cpuUs.prisma, 0)} | ${cell(k.cpuUs.pg, 0)} | ${fmt(k.cpuUs.prisma.median - k.cpuUs.pg.median, 0)} | ×${cell(k.ratio)} | ${cell(k.wallMs.prisma)} | ${cell(k.wallMs.pg)} |`);
    }
    line();
    line(`Statements run: $queryRaw blocks ${ip.calls.prisma.queryRaw} through $queryRaw; pg blocks ${ip.calls.pg.pool} on the pool, ${ip.calls.pg.queryRaw} through $queryRaw (inside a transaction).`);
    line();
  }
  if (r.http) {
    line("## Over HTTP: two stacks, one build");
    line();
    line(`\`next start\` twice (scripts/stack.ts, as \`npm run bench\` starts it), HOT_PATH_SQL=prisma and HOT_PATH_SQL=pg, each on its own PostgreSQL database; the checkout suite of \`npm run bench\` taking turns between them (each scenario's two runs back to back, the order swapped every round), ${settings.checkout.runs} rounds of about ${settings.checkout.seconds} s per run. App CPU is next-server's CPU per request; medians [min–max] over the rounds; the ratios are per round.`);
    line();
    line("| Scenario | Conn. | $queryRaw app CPU ms/req | pg pool app CPU ms/req | pg ÷ $queryRaw app CPU | $queryRaw req/s | pg pool req/s | pg ÷ $queryRaw req/s | $queryRaw p50 ms | pg pool p50 ms |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const s of r.http) {
      const [a, b] = [s.runs.prisma.summary, s.runs.pg.summary];
      line(`| ${s.title} | ${s.runs.prisma.connections} | ${cell(a?.appCpuMs)} | ${cell(b?.appCpuMs)} | ×${cell(s.cpuRatio)} | ${cell(a?.throughput, 1)} | ${cell(b?.throughput, 1)} | ×${cell(s.throughputRatio)} | ${cell(a?.p50)} | ${cell(b?.p50)} |`);
    }
    line();
    line(r.audits.length ? `Audit after the runs: ${r.audits.join("; ")}.` : "Audit after the runs (database against the payments server, both stacks): no violations.");
    line();
  }
  return `${out.join("\n")}\n`;
}

async function main() {
  if (!(await postgresReachable())) throw new Error("needs PostgreSQL (TEST_POSTGRES_URL or 127.0.0.1:5432)");
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  mkdirSync(path.join("bench", "results", "raw"), { recursive: true });
  if (!inProcessOnly) buildIfStale();
  const databases: TestDatabase[] = [];
  const stacks: Partial<Record<Mode, Stack>> = {};
  const audits: string[] = [];
  let inProcessResult: InProcessResult | null = null;
  let http: PairedScenario[] | null = null;
  try {
    for (let i = 0; i < 3; i++) databases.push(await createTestDatabase("postgres"));
    machine.databases.postgres = await databaseVersion(databases[0]!.url);
    // lib/db's global client (the route handlers') is made on its first import, from DATABASE_URL.
    process.env.DATABASE_URL = databases[2]!.url;
    for (const [i, mode] of MODES.entries()) {
      log(`starting the ${LABEL[mode]} stack`);
      stacks[mode] = await startStack({ databaseUrl: databases[i]!.url, logFile: path.join("bench", "results", "raw", `stack-executor-${mode}.log`), env: { HOT_PATH_SQL: mode } });
    }
    log("in-process");
    // A payments server of its own (another process, so its CPU is not this process's), so that
    // the stacks' audits compare only their own orders with their own payments.
    const payments = await startPayments();
    try {
      inProcessResult = await inProcess(payments.url);
    } finally {
      payments.stop();
    }
    if (!inProcessOnly) {
      log("over HTTP");
      const all = await checkoutSuite(MODES.map((mode) => ({ name: mode, stack: stacks[mode]! })), settings.checkout, log);
      const failures = [...all.values()].flatMap((scenarios) => scenarios.flatMap((s) => s.runs.flatMap((run) => (run.ok ? [] : run.violations))));
      if (failures.length) throw new Error(`broken invariants: ${failures.join("; ")}`);
      http = pair({ prisma: all.get("prisma")!, pg: all.get("pg")! });
      for (const mode of MODES) audits.push(...(await auditStack(stacks[mode]!)).violations.map((v) => `${LABEL[mode]}: ${v}`));
    }
  } finally {
    for (const stack of Object.values(stacks)) await stack.stop();
    for (const database of databases) await database.close();
  }
  machine.loadAverage.end = os.loadavg()[0]!;
  const results = { startedAt, machine, settings, inProcess: inProcessResult, http, audits };
  writeFileSync(path.join("bench", "results", "raw", `executor-${startedAt.replace(/[:.]/g, "-")}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const text = render(results);
  writeFileSync(path.join("bench", "results", "executor.md"), text);
  log(text);
  if (audits.length) throw new Error(`audit: ${audits.join("; ")}`);
}

async function startPayments(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "payments-server/src/main.ts"], { stdio: "ignore", env: { ...process.env, PAYMENTS_PORT: String(port), PAYMENTS_HOST: "127.0.0.1", PAYMENTS_LOG_LEVEL: "silent", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/_test/stats`).catch(() => null))?.ok) return { url, stop: () => child.kill("SIGTERM") };
    if (i > 120 || child.exitCode !== null) throw new Error("the in-process part's payments server did not start");
    await sleep(250);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
