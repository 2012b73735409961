import { randomBytes } from "node:crypto";
import { claim, complete, type ClaimPolicy } from "../lib/idempotency.ts";
import type { PrismaClient } from "../lib/generated/prisma/client.ts";
import { median, spread, type Spread } from "./stats.ts";

export type LayerSettings = { runs: number; iterations: number; warmup: number };

/** Microseconds per request of each variant: medians over the runs of each run's median. */
export type LayerResult = {
  iterations: number;
  runs: number;
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

/**
 * The idempotency layer alone, in-process against the database, one request at a time:
 *   floor    one bare INSERT of an order (a single round trip, autocommit)
 *   plain    what a checkout without a guard commits: tx{INSERT order}, tx{UPDATE order}
 *   guarded  the same two transactions with the guard riding inside them:
 *            tx{claim (INSERT … ON CONFLICT DO NOTHING RETURNING); INSERT order},
 *            tx{UPDATE order; complete (UPDATE record)}
 * Variants alternate within each iteration, so drift on a shared machine hits them alike.
 */
export async function layerBench(db: PrismaClient, settings: LayerSettings, log: (line: string) => void): Promise<LayerResult> {
  const tag = randomBytes(3).toString("hex");
  let n = 0;
  const order = () => ({ scope: `api:layer-${tag}`, idempotencyKey: `layer-${tag}-${n++}`, totalCents: 1800, currency: "usd", paymentMethod: "pm_card_visa" });
  const policy = (): ClaimPolicy => ({ now: new Date(), lockTimeoutMs: 15_000, ttlMs: 86_400_000 });

  const floor = () => db.order.createMany({ data: [order()] });
  const plain = async () => {
    const [created] = await db.$transaction((tx) => tx.order.createManyAndReturn({ data: [order()], select: { id: true } }));
    await db.$transaction((tx) => tx.order.updateMany({ where: { id: created!.id, status: "pending" }, data: { status: "paid" } }));
  };
  const guarded = async () => {
    const data = order();
    const { recordId, orderId } = await db.$transaction(async (tx) => {
      const claimed = await claim(tx, { scope: data.scope, key: data.idempotencyKey, fingerprint: "f".repeat(64) }, policy());
      if (claimed.kind !== "acquired") throw new Error(`fresh key not acquired: ${claimed.kind}`);
      const [created] = await tx.order.createManyAndReturn({ data: [data], select: { id: true } });
      return { recordId: claimed.record.id, orderId: created!.id };
    });
    await db.$transaction(async (tx) => {
      await tx.order.updateMany({ where: { id: orderId, status: "pending" }, data: { status: "paid" } });
      await complete(tx, recordId, RESPONSE);
    });
  };

  const time = async (fn: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1000;
  };

  for (let i = 0; i < settings.warmup; i++) for (const fn of [floor, plain, guarded]) await fn();
  const perRun = { floor: [] as number[], plain: [] as number[], guarded: [] as number[], cost: [] as number[] };
  for (let run = 1; run <= settings.runs; run++) {
    const samples = { floor: [] as number[], plain: [] as number[], guarded: [] as number[], cost: [] as number[] };
    for (let i = 0; i < settings.iterations; i++) {
      const f = await time(floor);
      const p = await time(plain);
      const g = await time(guarded);
      samples.floor.push(f);
      samples.plain.push(p);
      samples.guarded.push(g);
      samples.cost.push(g - p);
    }
    for (const key of ["floor", "plain", "guarded", "cost"] as const) perRun[key].push(median(samples[key]));
    log(`  layer run ${run}: floor ${median(samples.floor).toFixed(0)} µs, plain ${median(samples.plain).toFixed(0)} µs, guarded ${median(samples.guarded).toFixed(0)} µs, guard ${median(samples.cost).toFixed(0)} µs`);
  }
  await verifyLayer(db, tag, settings);
  const guardCost = spread(perRun.cost);
  const floorInsert = spread(perRun.floor);
  return {
    iterations: settings.iterations,
    runs: settings.runs,
    floorInsert,
    plain: spread(perRun.plain),
    guarded: spread(perRun.guarded),
    guardCost,
    guardCostInRoundTrips: guardCost.median / floorInsert.median,
  };
}

/** Every guarded request left exactly one finished record and one paid order. */
async function verifyLayer(db: PrismaClient, tag: string, settings: LayerSettings): Promise<void> {
  const perVariant = settings.warmup + settings.runs * settings.iterations;
  const scope = `api:layer-${tag}`;
  const [orders, paid, records, finished] = await Promise.all([
    db.order.count({ where: { scope } }),
    db.order.count({ where: { scope, status: "paid" } }),
    db.idempotencyRecord.count({ where: { scope } }),
    db.idempotencyRecord.count({ where: { scope, recoveryPoint: "finished", lockedAt: null, responseStatus: 201 } }),
  ]);
  const problems = [
    orders !== 3 * perVariant && `orders ${orders}, expected ${3 * perVariant}`,
    paid !== 2 * perVariant && `paid orders ${paid}, expected ${2 * perVariant}`,
    records !== perVariant && `idempotency records ${records}, expected ${perVariant}`,
    finished !== perVariant && `finished records ${finished}, expected ${perVariant}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`layer benchmark: ${problems.join("; ")}`);
}
