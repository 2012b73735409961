import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { claim, purgeExpired, type ClaimPolicy } from "../lib/idempotency.ts";
import { PrismaClient } from "../lib/generated/prisma/client.ts";
import { latency, median, type Latency } from "./stats.ts";

/** `probes` claims of each kind per size and round; `concurrentClaims` per size and round. */
export type GrowthSettings = { sizes: number[]; rounds: number; probes: number; concurrency: number; concurrentClaims: number; expiredShare: number; purgeBudgetSeconds: number };

export type GrowthPoint = {
  rows: number;
  fillSeconds: number;
  tableMB: number;
  /** Microseconds, one claim per transaction, one at a time. */
  freshClaimUs: Latency;
  replayClaimUs: Latency;
  /** Fresh claims per second with `concurrency` claims in flight: median over the rounds. */
  claimsPerSecond: number;
  /** 1-minute load average while this size was probed (mean over the rounds). */
  loadAverage: number;
  lookupPlan: string;
  lookupUsesIndex: boolean;
};

export type PurgeResult = {
  rowsBefore: number;
  expired: number;
  rowsAfter: number;
  finished: boolean;
  batches: number;
  seconds: number;
  rowsPerSecond: number;
  batchMs: { p50: number; max: number };
  /** One purgeExpired call when nothing is expired (median of 3): what every maintenance tick pays. */
  idleCallMs: { staleStatistics: number; freshStatistics: number; orderedByExpiresAt: number };
  planBefore: string[];
  planIdleStale: string[];
};

export type GrowthResult = { points: GrowthPoint[]; explain: { lookup: string[]; claimInsert: string[] }; purge: PurgeResult };

const FINGERPRINT = "f".repeat(64);
// Row i of the filled table: ids ordered by age like cuids, keys random like UUIDs, a stored
// answer of the size the checkout stores.
const scopeOf = (i: number) => `cart:c${Math.floor(i / 3)}`;
const keyOf = (i: number) => createHash("md5").update(String(i)).digest("hex");
const FILL = `
  WITH body AS (SELECT jsonb_build_object('order', jsonb_build_object('id', 'cmbench0000000000000000000', 'status', 'paid', 'totalCents', 1800,
    'currency', 'usd', 'paymentMethod', 'pm_card_visa', 'paymentIntentId', 'pi_0123456789abcdef01234567', 'items', jsonb_build_array(jsonb_build_object(
    'slug', 'stoneware-mug', 'name', 'Stoneware Mug', 'quantity', 1, 'unitPriceCents', 1800)), 'failure', null, 'createdAt', now())) AS b)
  INSERT INTO %TABLE% (id, scope, key, fingerprint, "recoveryPoint", "responseStatus", "responseBody", "createdAt", "updatedAt", "expiresAt")
  SELECT $3 || lpad(i::text, 9, '0'), $5 || (i / 3), md5(i::text), '${FINGERPRINT}', 'finished', 201, body.b, now(), now(), now() + $4::interval
  FROM generate_series($1::int, $2::int) AS i, body`;

type Table = { rows: number; schema: string; name: string; db: PrismaClient; fillSeconds: number; index: string };

/**
 * Claim latency and throughput as IdempotencyRecord grows (filled with INSERT … SELECT from
 * generate_series, not requests), the plans that keep the key lookup index-backed, and what
 * lib/idempotency's purgeExpired does with a backlog of expired records. The largest size is the
 * real table; each smaller one is a copy (same columns and indexes) in a schema of its own, so
 * that all sizes can be probed in turns: load from elsewhere on the machine then hits every size
 * alike instead of whichever was measured at a bad moment.
 */
export async function growthBench(db: PrismaClient, url: string, settings: GrowthSettings, log: (line: string) => void): Promise<GrowthResult> {
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const sizes = [...settings.sizes].sort((a, b) => a - b);
  const tables: Table[] = [];
  try {
    await sql.query(`TRUNCATE "IdempotencyRecord"`);
    for (const rows of sizes) {
      const schema = rows === sizes.at(-1) ? "public" : `growth_${rows}`;
      const name = `"${schema}"."IdempotencyRecord"`;
      if (schema !== "public") {
        await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await sql.query(`CREATE SCHEMA "${schema}"`);
        await sql.query(`CREATE TABLE ${name} (LIKE "public"."IdempotencyRecord" INCLUDING ALL)`);
      }
      const started = performance.now();
      await sql.query(FILL.replace("%TABLE%", name), [1, rows, "g", "1 day", "cart:c"]);
      await sql.query(`ANALYZE ${name}`);
      const fillSeconds = (performance.now() - started) / 1000;
      const { rows: [index] } = await sql.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'IdempotencyRecord' AND indexdef LIKE 'CREATE UNIQUE INDEX % (scope, key)'`,
        [schema],
      );
      const client = schema === "public" ? db : new PrismaClient({
        // The claim's own SQL names the table unqualified (lib/idempotency.ts): the search path points it at this copy.
        adapter: new PrismaPg({ connectionString: url, max: 10, options: `-c search_path="${schema}"` }, { schema }), transactionOptions: { maxWait: 15_000, timeout: 15_000 } });
      tables.push({ rows, schema, name, db: client, fillSeconds, index: index?.indexname ?? "(no unique index on scope, key)" });
      log(`  ${rows} rows filled in ${fillSeconds.toFixed(1)} s`);
    }

    const samples = new Map(tables.map((t) => [t, { fresh: [] as number[], replay: [] as number[], perSecond: [] as number[], load: [] as number[] }]));
    for (let round = 1; round <= settings.rounds; round++) {
      for (const table of round % 2 ? tables : [...tables].reverse()) {
        const batch = await onSchema(sql, table.schema, () => probe(table, sql, settings, round === 1));
        const s = samples.get(table)!;
        s.fresh.push(...batch.fresh);
        s.replay.push(...batch.replay);
        s.perSecond.push(batch.claimsPerSecond);
        s.load.push(os.loadavg()[0]!);
      }
    }
    const points: GrowthPoint[] = [];
    for (const table of tables) {
      const s = samples.get(table)!;
      const { rows: [stat] } = await sql.query<{ bytes: string }>(`SELECT pg_total_relation_size('${table.name}') AS bytes`);
      const lookup = await plan(sql, `EXPLAIN (COSTS OFF) SELECT * FROM ${table.name} WHERE scope = $1 AND key = $2 LIMIT 1`, [scopeOf(table.rows), keyOf(table.rows)]);
      const node = lookup.find((line) => /Scan/.test(line))?.trim().replace(/^->\s*/, "") ?? lookup.join(" ");
      const point: GrowthPoint = {
        rows: table.rows,
        fillSeconds: table.fillSeconds,
        tableMB: Number(stat!.bytes) / 1e6,
        freshClaimUs: latency(s.fresh),
        replayClaimUs: latency(s.replay),
        claimsPerSecond: median(s.perSecond),
        loadAverage: s.load.reduce((a, b) => a + b, 0) / s.load.length,
        lookupPlan: node,
        lookupUsesIndex: /Index (Only )?Scan/.test(node) && node.includes(table.index),
      };
      points.push(point);
      log(`  ${table.rows} rows: fresh claim p50 ${point.freshClaimUs.p50.toFixed(0)} µs, replay p50 ${point.replayClaimUs.p50.toFixed(0)} µs, ${point.claimsPerSecond.toFixed(0)} claims/s, ${point.lookupPlan}`);
    }
    const largest = sizes.at(-1)!;
    const explain = {
      lookup: await plan(sql, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM "IdempotencyRecord" WHERE scope = $1 AND key = $2 LIMIT 1`, [scopeOf(largest), keyOf(largest)]),
      claimInsert: await claimInsertPlan(sql, scopeOf(largest), keyOf(largest)),
    };
    const purge = await purgeBench(db, sql, largest, settings, log);
    return { points, explain, purge };
  } finally {
    for (const table of tables.filter((t) => t.schema !== "public")) {
      await table.db.$disconnect();
      await sql.query(`DROP SCHEMA IF EXISTS "${table.schema}" CASCADE`);
    }
    await sql.end();
  }
}

/** One round at one size: claims of fresh keys and replays of random existing keys, one at a time, then fresh claims in parallel. */
async function probe(table: Table, sql: pg.Client, settings: GrowthSettings, warmUp: boolean) {
  const probeScope = `probe:${randomBytes(4).toString("hex")}`;
  const policy = (): ClaimPolicy => ({ lockTimeoutMs: 15_000, ttlMs: 86_400_000 });
  let n = 0;
  const claimOnce = async (scope: string, key: string, expect: "acquired" | "replay") => {
    const start = process.hrtime.bigint();
    const outcome = await table.db.$transaction((tx) => claim(tx, { scope, key, fingerprint: FINGERPRINT }, policy()));
    if (outcome.kind !== expect) throw new Error(`claim of ${scope}/${key}: ${outcome.kind}, expected ${expect}`);
    return Number(process.hrtime.bigint() - start) / 1000;
  };
  const fresh = () => claimOnce(probeScope, `k${n++}`, "acquired");
  const replay = () => {
    const i = 1 + Math.floor(Math.random() * table.rows);
    return claimOnce(scopeOf(i), keyOf(i), "replay");
  };

  if (warmUp) for (let i = 0; i < Math.min(50, settings.probes); i++) await Promise.all([fresh(), replay()]);
  const result = { fresh: [] as number[], replay: [] as number[], claimsPerSecond: 0 };
  for (let i = 0; i < settings.probes; i++) {
    result.fresh.push(await fresh());
    result.replay.push(await replay());
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: settings.concurrency }, async () => {
    while (next++ < settings.concurrentClaims) await fresh();
  }));
  result.claimsPerSecond = (settings.concurrentClaims / (performance.now() - started)) * 1000;

  const inserted = await sql.query(`DELETE FROM ${table.name} WHERE scope = $1`, [probeScope]);
  if (inserted.rowCount !== n) throw new Error(`growth probe: ${inserted.rowCount} probe records, expected ${n}`);
  return result;
}

/**
 * Runs `work` with unqualified names looked up in `schema` first. On PostgreSQL each copy's client
 * already has that search path as a startup option, and this SET changes only `sql`'s own session.
 * The embedded database has one session behind its socket server, which ignores startup options:
 * there this SET is what points the claim's unqualified SQL (lib/idempotency.ts) at the copy.
 */
async function onSchema<T>(sql: pg.Client, schema: string, work: () => Promise<T>): Promise<T> {
  await sql.query(`SET search_path TO "${schema}"`);
  try {
    return await work();
  } finally {
    await sql.query("RESET search_path");
  }
}

/**
 * A backlog: the oldest `expiredShare` × rows records expired (lower ids, as cuids of older
 * records are). purgeExpired, as the maintenance loop calls it, until it finds nothing; then
 * the cost of one idle call, with the statistics the purge left and after ANALYZE.
 */
async function purgeBench(db: PrismaClient, sql: pg.Client, rows: number, settings: GrowthSettings, log: (line: string) => void): Promise<PurgeResult> {
  const expired = Math.round(rows * settings.expiredShare);
  await sql.query(FILL.replace("%TABLE%", `"IdempotencyRecord"`), [1, expired, "e", "-1 minute", "cart:e"]);
  await sql.query(`ANALYZE "IdempotencyRecord"`);
  const purgeSelect = `SELECT id FROM "IdempotencyRecord" WHERE "expiresAt" < now() ORDER BY id ASC LIMIT 1000 OFFSET 0`;
  const planBefore = await plan(sql, `EXPLAIN (COSTS OFF) ${purgeSelect}`);

  const batchMs: number[] = [];
  let purged = 0;
  const started = performance.now();
  let finished = false;
  while (performance.now() - started < settings.purgeBudgetSeconds * 1000) {
    const t = performance.now();
    const count = await purgeExpired(db, new Date());
    batchMs.push(performance.now() - t);
    purged += count;
    if (count === 0) {
      finished = true;
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const planIdleStale = await plan(sql, `EXPLAIN (COSTS OFF) ${purgeSelect}`);
  const timed = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  // Medians of three calls: the first call after a mass delete also pays for marking the dead index entries.
  const thrice = async (fn: () => Promise<unknown>) => median([await timed(fn), await timed(fn), await timed(fn)]);
  const idleStale = finished ? await thrice(() => purgeExpired(db, new Date())) : Number.NaN;
  const orderedByExpiresAt = await thrice(() => sql.query(`SELECT id FROM "IdempotencyRecord" WHERE "expiresAt" < now() ORDER BY "expiresAt" ASC LIMIT 1000`));
  await sql.query(`ANALYZE "IdempotencyRecord"`);
  const freshStatistics = await thrice(() => purgeExpired(db, new Date()));
  const { rows: [left] } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "IdempotencyRecord"`);
  const rowsAfter = Number(left!.n);
  if (finished && (purged !== expired || rowsAfter !== rows)) throw new Error(`purge: deleted ${purged} of ${expired} expired records, ${rowsAfter} rows left, expected ${rows}`);
  const sorted = [...batchMs].sort((a, b) => a - b);
  log(`  purge: ${purged}/${expired} expired rows in ${seconds.toFixed(1)} s (${batchMs.length} calls), idle call ${idleStale.toFixed(1)} ms (stale statistics) / ${freshStatistics.toFixed(1)} ms (after ANALYZE)`);
  return {
    rowsBefore: rows + expired,
    expired,
    rowsAfter,
    finished,
    batches: batchMs.length,
    seconds,
    rowsPerSecond: purged / seconds,
    batchMs: { p50: median(sorted), max: sorted.at(-1)! },
    idleCallMs: { staleStatistics: idleStale, freshStatistics, orderedByExpiresAt },
    planBefore,
    planIdleStale,
  };
}

/** The claim's INSERT … ON CONFLICT DO NOTHING on a taken key, executed and rolled back: the unique index finds the conflict. */
async function claimInsertPlan(sql: pg.Client, scope: string, key: string): Promise<string[]> {
  await sql.query("BEGIN");
  try {
    return await plan(sql, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) INSERT INTO "IdempotencyRecord" (id, scope, key, fingerprint, "recoveryPoint", "lockedAt", "createdAt", "updatedAt", "expiresAt") VALUES ('explain', $1, $2, '', 'started', now(), now(), now(), now()) ON CONFLICT DO NOTHING RETURNING id`, [scope, key]);
  } finally {
    await sql.query("ROLLBACK");
  }
}

async function plan(sql: pg.Client, query: string, params: unknown[] = []): Promise<string[]> {
  const { rows } = await sql.query<{ "QUERY PLAN": string }>(query, params);
  return rows.map((row) => row["QUERY PLAN"]);
}
