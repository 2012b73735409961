/** Small statistics helpers: percentiles of one run, medians and spread across runs. */

export type Latency = { p50: number; p95: number; p99: number; mean: number };
export type Spread = { median: number; min: number; max: number };

/** Linear interpolation between closest ranks; `sorted` ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), mean };
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Median, min and max of each numeric field over several runs. */
export function spreadOf<K extends string>(runs: readonly Record<K, number>[], keys: readonly K[]): Record<K, Spread> {
  return Object.fromEntries(keys.map((key) => [key, spread(runs.map((run) => run[key]))])) as Record<K, Spread>;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
