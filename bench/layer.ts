import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { claim, complete, type ClaimPolicy } from "../lib/idempotency.ts";
import type { PrismaClient } from "../lib/generated/prisma/client.ts";
import { median, spread, type Spread } from "./stats.ts";

export type LayerSettings = { runs: number; iterations: number; warmup: number };
export type LayerTarget = { name: string; db: PrismaClient; url: string };

/** Microseconds per request of each variant: medians over the runs of each run's median. */
export type LayerResult = {
  iterations: number;
  runs: number;
  /** The same INSERT through node-postgres alone: the round trip without the ORM. */
  rawInsert: Spread;
  floorInsert: Spread;
  plain: Spread;
  guarded: Spread;
  /** Median over iterations of (guarded − plain) of the same iteration, per run. */
  guardCost: Spread;
  /** guardCost / floorInsert: the guard's cost in units of one bare INSERT round trip. */
  guardCostInRoundTrips: number;
};

const RESPONSE = {
  status: 201,
  body: { order: { id: "cmbench0000000000000000000", status: "paid", totalCents: 1800, currency: "usd", paymentMethod: "pm_card_visa", paymentIntentId: "pi_bench", items: [{ slug: "stoneware-mug", name: "Stoneware Mug", quantity: 1, unitPriceCents: 1800 }], failure: null, createdAt: new Date(0).toISOString() } },
};
const VARIANTS = ["raw", "floor", "plain", "guarded"] as const;
type Variant = (typeof VARIANTS)[number];

/**
 * The idempotency layer alone, in-process against each database, one request at a time:
 *   raw      one bare INSERT of an order through node-postgres (the round trip without Prisma)
 *   floor    the same INSERT through Prisma (one round trip, autocommit)
 *   plain    what a checkout without a guard commits: tx{INSERT order}, tx{UPDATE order}
 *   guarded  the same two transactions with the guard riding inside them:
 *            tx{claim (INSERT … ON CONFLICT DO NOTHING RETURNING); INSERT order},
 *            tx{UPDATE order; complete (UPDATE record)}
 * Variants alternate within each iteration and databases take turns run by run, so drift on a
 * shared machine hits them alike.
 */
export async function layerBench(targets: LayerTarget[], settings: LayerSettings, log: (line: string) => void): Promise<Map<string, LayerResult>> {
  const clients = await Promise.all(targets.map(async (target) => {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    return client;
  }));
  const probes = targets.map((target, i) => ({ target, variants: variants(target.db, clients[i]!), perRun: { raw: [] as number[], floor: [] as number[], plain: [] as number[], guarded: [] as number[], cost: [] as number[] } }));
  try {
    await measureAll(probes, settings, log);
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
  const results = new Map<string, LayerResult>();
  for (const probe of probes) {
    await verifyLayer(probe.target.db, probe.variants.scope, settings.warmup + settings.runs * settings.iterations);
    const guardCost = spread(probe.perRun.cost);
    const floorInsert = spread(probe.perRun.floor);
    results.set(probe.target.name, {
      iterations: settings.iterations,
      runs: settings.runs,
      rawInsert: spread(probe.perRun.raw),
      floorInsert,
      plain: spread(probe.perRun.plain),
      guarded: spread(probe.perRun.guarded),
      guardCost,
      guardCostInRoundTrips: guardCost.median / floorInsert.median,
    });
  }
  return results;
}

type Probe = { target: LayerTarget; variants: ReturnType<typeof variants>; perRun: Record<Variant | "cost", number[]> };

async function measureAll(probes: Probe[], settings: LayerSettings, log: (line: string) => void): Promise<void> {
  for (const probe of probes) for (let i = 0; i < settings.warmup; i++) for (const variant of VARIANTS) await probe.variants[variant]();
  for (let run = 1; run <= settings.runs; run++) {
    for (const probe of run % 2 ? probes : [...probes].reverse()) {
      const samples: Record<Variant | "cost", number[]> = { raw: [], floor: [], plain: [], guarded: [], cost: [] };
      for (let i = 0; i < settings.iterations; i++) {
        for (const variant of VARIANTS) samples[variant].push(await time(probe.variants[variant]));
        samples.cost.push(samples.guarded.at(-1)! - samples.plain.at(-1)!);
      }
      for (const key of [...VARIANTS, "cost"] as const) probe.perRun[key].push(median(samples[key]));
      log(`  ${probe.target.name} layer run ${run}: raw ${median(samples.raw).toFixed(0)} µs, floor ${median(samples.floor).toFixed(0)} µs, plain ${median(samples.plain).toFixed(0)} µs, guarded ${median(samples.guarded).toFixed(0)} µs, guard ${median(samples.cost).toFixed(0)} µs`);
    }
  }
}

function variants(db: PrismaClient, sql: pg.Client): Record<Variant, () => Promise<unknown>> & { scope: string } {
  const scope = `api:layer-${randomBytes(3).toString("hex")}`;
  let n = 0;
  const order = () => ({ scope, idempotencyKey: `layer-${n++}`, totalCents: 1800, currency: "usd", paymentMethod: "pm_card_visa" });
  const policy = (): ClaimPolicy => ({ lockTimeoutMs: 15_000, ttlMs: 86_400_000 });
  return {
    scope,
    raw: () => {
      const data = order();
      return sql.query(`INSERT INTO "Order" (id, scope, "idempotencyKey", "totalCents", currency, "paymentMethod", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, now())`, [
        randomUUID(), data.scope, data.idempotencyKey, data.totalCents, data.currency, data.paymentMethod,
      ]);
    },
    floor: () => db.order.createMany({ data: [order()] }),
    plain: async () => {
      const [created] = await db.$transaction((tx) => tx.order.createManyAndReturn({ data: [order()], select: { id: true } }));
      await db.$transaction((tx) => tx.order.updateMany({ where: { id: created!.id, status: "pending" }, data: { status: "paid" } }));
    },
    guarded: async () => {
      const data = order();
      const { lease, orderId } = await db.$transaction(async (tx) => {
        const claimed = await claim(tx, { scope, key: data.idempotencyKey, fingerprint: "f".repeat(64) }, policy());
        if (claimed.kind !== "acquired") throw new Error(`fresh key not acquired: ${claimed.kind}`);
        const [created] = await tx.order.createManyAndReturn({ data: [data], select: { id: true } });
        return { lease: { recordId: claimed.record.id, token: claimed.record.token }, orderId: created!.id };
      });
      await db.$transaction(async (tx) => {
        await tx.order.updateMany({ where: { id: orderId, status: "pending" }, data: { status: "paid" } });
        await complete(tx, lease, RESPONSE);
      });
    },
  };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** Every guarded request left exactly one finished record and one paid order. */
async function verifyLayer(db: PrismaClient, scope: string, perVariant: number): Promise<void> {
  const [orders, paid, records, finished] = await Promise.all([
    db.order.count({ where: { scope } }),
    db.order.count({ where: { scope, status: "paid" } }),
    db.idempotencyRecord.count({ where: { scope } }),
    db.idempotencyRecord.count({ where: { scope, recoveryPoint: "finished", lockedAt: null, responseStatus: 201 } }),
  ]);
  const problems = [
    orders !== 4 * perVariant && `orders ${orders}, expected ${4 * perVariant}`,
    paid !== 2 * perVariant && `paid orders ${paid}, expected ${2 * perVariant}`,
    records !== perVariant && `idempotency records ${records}, expected ${perVariant}`,
    finished !== perVariant && `finished records ${finished}, expected ${perVariant}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`layer benchmark: ${problems.join("; ")}`);
}
