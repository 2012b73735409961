import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import type { PrismaClient } from "../lib/generated/prisma/client.ts";
import type { ChargeResult } from "../lib/payments/payment-intents.ts";
import type Stripe from "stripe";
import { median, spread, type Spread } from "./stats.ts";

export type LayerSettings = { runs: number; iterations: number; warmup: number };
export type LayerTarget = { name: string; db: PrismaClient; url: string };

/** Microseconds per request of each variant: medians over the runs of each run's median. */
/** Microseconds per request of each variant: medians over the runs of each run's median. */
export type LayerResult = {
  iterations: number;
  runs: number;
  /** The same INSERT through node-postgres alone: the round trip without the ORM. */
  rawInsert: Spread;
  floorInsert: Spread;
  /** The naive checkout's two statements: place (lines priced, order, items, step), then settle. */
  naive: Spread;
  /** The checkout's claim statement, then its settle statement finishing the record. */
  guarded: Spread;
  /** guarded's two statements on their own. */
  claim: Spread;
  settle: Spread;
  /** Median over iterations of (guarded − naive) of the same iteration, per run. */
  guardCost: Spread;
  /** guardCost / floorInsert: the guard's cost in units of one bare INSERT round trip. */
  guardCostInRoundTrips: number;
};

const VARIANTS = ["raw", "floor", "naive", "guarded"] as const;
type Variant = (typeof VARIANTS)[number];
type Sample = Variant | "claim" | "settle" | "cost";
const SAMPLES: Sample[] = [...VARIANTS, "claim", "settle", "cost"];
const emptySamples = (): Record<Sample, number[]> => ({ raw: [], floor: [], naive: [], guarded: [], claim: [], settle: [], cost: [] });

/**
 * The writes of a fresh checkout, in-process against each database, one request at a time, each
 * through the app's own statement code (lib/checkout/statements/):
 *   raw      one bare INSERT of an order through node-postgres (the round trip without Prisma)
 *   floor    the same INSERT through Prisma (one round trip, autocommit)
 *   naive    what the naive checkout writes around its Stripe call: placeNaiveOrder (lines priced,
 *            order, items, timeline step), then settleAndFinish with no record to finish
 *   guarded  what the checkout writes around its Stripe call: claimOrder (record + order + items +
 *            timeline), then settleAndFinish storing the answer in the record (→ FINISHED)
 * Not in it: the look, the checkout's first statement (the key's record, and the lines priced,
 * which the naive place statement prices itself): it is one more round trip, counted in bench/
 * anatomy.ts. The Stripe call is not made; each settle records the same succeeded PaymentIntent.
 * Variants alternate within each iteration and databases take turns run by run, so drift on a
 * shared machine hits them alike.
 */
export async function layerBench(targets: LayerTarget[], settings: LayerSettings, log: (line: string) => void): Promise<Map<string, LayerResult>> {
  const app = await appStatements();
  const clients = await Promise.all(targets.map(async (target) => {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    return client;
  }));
  const probes: Probe[] = [];
  for (const [i, target] of targets.entries()) probes.push({ target, variants: await variants(app, target.db, clients[i]!), perRun: emptySamples() });
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
      naive: spread(probe.perRun.naive),
      guarded: spread(probe.perRun.guarded),
      claim: spread(probe.perRun.claim),
      settle: spread(probe.perRun.settle),
      guardCost,
      guardCostInRoundTrips: guardCost.median / floorInsert.median,
    });
  }
  return results;
}

type Probe = { target: LayerTarget; variants: Variants; perRun: Record<Sample, number[]> };

async function measureAll(probes: Probe[], settings: LayerSettings, log: (line: string) => void): Promise<void> {
  for (const probe of probes) for (let i = 0; i < settings.warmup; i++) for (const variant of VARIANTS) await probe.variants[variant]();
  for (let run = 1; run <= settings.runs; run++) {
    for (const probe of run % 2 ? probes : [...probes].reverse()) {
      const samples = emptySamples();
      for (let i = 0; i < settings.iterations; i++) {
        for (const variant of VARIANTS) samples[variant].push(await time(probe.variants[variant]));
        samples.claim.push(probe.variants.split.claim);
        samples.settle.push(probe.variants.split.settle);
        samples.cost.push(samples.guarded.at(-1)! - samples.naive.at(-1)!);
      }
      for (const key of SAMPLES) probe.perRun[key].push(median(samples[key]));
      log(`  ${probe.target.name} layer run ${run}: raw ${median(samples.raw).toFixed(0)} µs, floor ${median(samples.floor).toFixed(0)} µs, naive ${median(samples.naive).toFixed(0)} µs, guarded ${median(samples.guarded).toFixed(0)} µs (claim ${median(samples.claim).toFixed(0)}, settle ${median(samples.settle).toFixed(0)}), guard ${median(samples.cost).toFixed(0)} µs`);
    }
  }
}

/**
 * The app's modules, imported once the benchmark's databases exist: lib/audit.ts and lib/orders.ts
 * import lib/db.ts, whose global client insists on DATABASE_URL (bench/prisma.ts sets it).
 */
async function appStatements() {
  const [{ claimOrder }, { placeNaiveOrder }, settle, { audit }, { paymentIntentKey }] = await Promise.all([
    import("../lib/checkout/statements/claim-order.ts"),
    import("../lib/checkout/statements/place-naive-order.ts"),
    import("../lib/checkout/settle.ts"),
    import("../lib/audit.ts"),
    import("../lib/payments/payment-intents.ts"),
  ]);
  return { claimOrder, placeNaiveOrder, audit, paymentIntentKey, ...settle };
}

type App = Awaited<ReturnType<typeof appStatements>>;
type Variants = Record<Variant, () => Promise<unknown>> & { scope: string; split: { claim: number; settle: number } };

const ITEMS = [{ slug: "stoneware-mug", quantity: 1 }];
const PAYMENT_METHOD = "pm_card_visa";
/** The stored answer: the size of a real one (lib/checkout/responses.ts settledResponse). */
const BODY_TEXT = JSON.stringify({
  order: { id: "cmbench0000000000000000000", status: "paid", totalCents: 1800, currency: "usd", paymentMethod: PAYMENT_METHOD, paymentIntentId: "pi_bench", items: [{ slug: "stoneware-mug", name: "Stoneware Mug", quantity: 1, unitPriceCents: 1800 }], failure: null, createdAt: new Date(0).toISOString() },
});
const PENDING = { status: "pending", paymentIntentId: null, failureCode: null, declineCode: null, failureMessage: null } as const;

async function variants(app: App, db: PrismaClient, sql: pg.Client): Promise<Variants> {
  const scope = `api:layer-${randomBytes(3).toString("hex")}`;
  const mug = await db.product.findUniqueOrThrow({ where: { slug: "stoneware-mug" } });
  const lines = [{ productId: mug.id, slug: mug.slug, name: mug.name, unitPriceCents: mug.priceCents, currency: mug.currency, quantity: 1 }];
  let n = 0;
  const order = () => ({ scope, idempotencyKey: `layer-${n++}`, totalCents: mug.priceCents, currency: mug.currency, paymentMethod: PAYMENT_METHOD });
  // The Stripe call's answer, as the checkout gets it back: a PaymentIntent that succeeded.
  const charged = (orderId: string): Extract<ChargeResult, { kind: "succeeded" | "processing" }> => ({ kind: "succeeded", paymentIntent: { id: `pi_${orderId}` } as Stripe.PaymentIntent, idempotencyKey: app.paymentIntentKey(orderId), replayed: false });
  const settled = (id: string) => ({ id, scope, totalCents: mug.priceCents, currency: mug.currency, cartId: null, cartVersion: null });
  const split = { claim: 0, settle: 0 };
  return {
    scope,
    split,
    raw: () => {
      const data = order();
      return sql.query(`INSERT INTO "Order" (id, scope, "idempotencyKey", "totalCents", currency, "paymentMethod", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, now())`, [
        randomUUID(), data.scope, data.idempotencyKey, data.totalCents, data.currency, data.paymentMethod,
      ]);
    },
    floor: () => db.order.createMany({ data: [order()] }),
    naive: async () => {
      const placed = await app.placeNaiveOrder(db, { caller: { kind: "scope", scope }, paymentMethod: PAYMENT_METHOD, source: { kind: "items", items: ITEMS } });
      if (!placed.order) throw new Error("layer benchmark: the naive statement placed no order");
      const target = settled(placed.order.id);
      const charge = charged(target.id);
      await app.settleAndFinish(db, target, app.settlementOf(target, charge), "naive_checkout", [app.stripeCallStep({ scope, orderId: target.id }, charge)], null);
    },
    guarded: async () => {
      const { idempotencyKey: key, ...rest } = order();
      const started = performance.now();
      const claimed = await app.claimOrder(db, { scope, key, fingerprint: "f".repeat(64) }, { ...rest, key, cartId: null, cartVersion: null, apiClientId: null, lines }, 86_400_000, (orderId) => [
        app.audit("claim", { scope, orderId }, { outcome: "new", key }),
        app.audit("recovery_point", { scope, orderId }, { point: "order_created" }),
      ]);
      const claimedAt = performance.now();
      if (!claimed) throw new Error("layer benchmark: a fresh key was not claimed");
      const target = settled(claimed.orderId);
      const subject = { scope, orderId: target.id };
      const charge = charged(target.id);
      const settlement = app.settlementOf(target, charge);
      const finish = { recordId: claimed.recordId, token: claimed.token, expected: app.stateAfter(PENDING, settlement), status: 201, bodyText: BODY_TEXT, steps: [app.audit("recovery_point", subject, { point: "finished", status: 201 })] };
      const result = await app.settleAndFinish(db, target, settlement, "checkout", [app.stripeCallStep(subject, charge)], finish);
      if (!result.finished) throw new Error("layer benchmark: the settle did not finish the record");
      split.claim = (claimedAt - started) * 1000;
      split.settle = (performance.now() - claimedAt) * 1000;
    },
  };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** Every request left its order; every naive and guarded one a paid order with one confirmation; every guarded one a finished record. */
async function verifyLayer(db: PrismaClient, scope: string, perVariant: number): Promise<void> {
  const [orders, paid, confirmations, records, finished] = await Promise.all([
    db.order.count({ where: { scope } }),
    db.order.count({ where: { scope, status: "paid" } }),
    db.outboxMessage.count({ where: { order: { scope } } }),
    db.idempotencyRecord.count({ where: { scope } }),
    db.idempotencyRecord.count({ where: { scope, recoveryPoint: "finished", lockedAt: null, responseStatus: 201 } }),
  ]);
  const problems = [
    orders !== 4 * perVariant && `orders ${orders}, expected ${4 * perVariant}`,
    paid !== 2 * perVariant && `paid orders ${paid}, expected ${2 * perVariant}`,
    confirmations !== 2 * perVariant && `confirmations ${confirmations}, expected ${2 * perVariant}`,
    records !== perVariant && `idempotency records ${records}, expected ${perVariant}`,
    finished !== perVariant && `finished records ${finished}, expected ${perVariant}`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`layer benchmark: ${problems.join("; ")}`);
}
