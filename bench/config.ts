import type { CheckoutSettings } from "./http-checkout.ts";
import type { GrowthSettings } from "./growth.ts";
import type { LayerSettings } from "./layer.ts";
import type { ReplayCacheSettings } from "./replay-cache.ts";
import type { WebhookSettings } from "./webhooks.ts";

export type DatabaseKind = "pglite" | "postgres";

export type BenchConfig = {
  mode: "full" | "smoke";
  databases: DatabaseKind[];
  layer: LayerSettings;
  growth: Record<DatabaseKind, GrowthSettings>;
  checkout: CheckoutSettings;
  webhooks: WebhookSettings;
  replayCache: ReplayCacheSettings;
};

const growth = { rounds: 3, probes: 100, concurrency: 8, concurrentClaims: 300, expiredShare: 0.2, purgeBudgetSeconds: 60 };

/** `npm run bench`: both databases, 3 runs of everything; about 10 minutes on 2 cores. */
export const FULL: BenchConfig = {
  mode: "full",
  databases: ["pglite", "postgres"],
  layer: { runs: 3, iterations: 300, warmup: 50 },
  growth: {
    // 10^6 rows on the embedded database take minutes to fill; PostgreSQL goes all the way.
    pglite: { ...growth, sizes: [1e3, 1e4, 1e5] },
    postgres: { ...growth, sizes: [1e3, 1e4, 1e5, 1e6] },
  },
  checkout: { runs: 3, connections: 8, seconds: 4, warmupRequests: 24, bounds: { min: 24, max: 3000 }, stormDuplicates: 5 },
  webhooks: { runs: 3, connections: 8, seconds: 3, warmupRequests: 40, bounds: { min: 40, max: 5000 }, duplicateShares: [0, 0.8] },
  replayCache: { reads: 3000, warmup: 300, rounds: 3 },
};

/** `npm run bench:smoke` (CI): the embedded database, every benchmark once and tiny; correctness is what counts. */
export const SMOKE: BenchConfig = {
  mode: "smoke",
  databases: ["pglite"],
  layer: { runs: 1, iterations: 30, warmup: 5 },
  growth: {
    pglite: { sizes: [1e2, 1e3], rounds: 1, probes: 20, concurrency: 4, concurrentClaims: 40, expiredShare: 0.2, purgeBudgetSeconds: 30 },
    postgres: { sizes: [1e2, 1e3], rounds: 1, probes: 20, concurrency: 4, concurrentClaims: 40, expiredShare: 0.2, purgeBudgetSeconds: 30 },
  },
  checkout: { runs: 1, connections: 4, seconds: 0, warmupRequests: 8, bounds: { min: 12, max: 12 }, stormDuplicates: 4 },
  webhooks: { runs: 1, connections: 4, seconds: 0, warmupRequests: 10, bounds: { min: 10, max: 10 }, duplicateShares: [0, 0.8] },
  replayCache: { reads: 100, warmup: 10, rounds: 1 },
};
