import prand, { type RandomGenerator } from "pure-rand";

/**
 * A seeded random source (pure-rand's xoroshiro128+, fast-check's generator): the same seed gives
 * the same sequence on every machine. Mutable on purpose: the plan draws from it in order.
 */
export class Random {
  private generator: RandomGenerator;

  constructor(seed: number) {
    this.generator = prand.xoroshiro128plus(seed);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return prand.unsafeUniformIntDistribution(min, max, this.generator);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.int(0, 999_999) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let ticket = this.int(0, Math.max(0, Math.round(total * 1000) - 1)) / 1000;
    for (const [weight, value] of choices) {
      if (ticket < weight) return value;
      ticket -= weight;
    }
    return choices.at(-1)![1];
  }

  /** A version-4-shaped UUID drawn from the seed (keys must replay with the plan, so not crypto's). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(0, 15).toString(16));
    hex[12] = "4";
    hex[16] = ((this.int(0, 3) & 0x3) | 0x8).toString(16);
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** An independent generator for one part of the plan, so adding draws elsewhere never shifts it. */
  fork(salt: number): Random {
    return new Random((this.int(0, 0x7fffffff) ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  }
}
