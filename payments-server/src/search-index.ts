import { z } from "zod";
import { newId } from "./ids.ts";
import { type Match, MatchSchema, matches, type Subject } from "./matching.ts";
import type { PaymentIntent } from "./objects.ts";
import { RuleSet } from "./rules.ts";

/**
 * What search sees. Stripe's search is eventually consistent ("don't use search for read-after-write flows",
 * docs.stripe.com/search#data-freshness): a new or changed PaymentIntent reaches it up to a minute later. Off by
 * default here; a delay rule makes a change visible to search only `ms` after it happened, and until then search
 * matches and returns the previous version (or nothing, for a new PaymentIntent). Lists and retrieves are never
 * delayed, as on Stripe.
 */
export const SearchDelayInput = z.strictObject({
  /** Which PaymentIntents (by their metadata, creating key or id); none = all. */
  match: MatchSchema.optional(),
  ms: z.number().int().nonnegative(),
});

export interface SearchDelayRule {
  id: string;
  match?: Match;
  ms: number;
}

interface Version {
  visibleAt: number;
  snapshot: PaymentIntent;
}

export class SearchIndex {
  private readonly versions = new Map<string, Version[]>();
  readonly rules = new RuleSet<SearchDelayRule>();

  constructor(private readonly subjectOf: (pi: PaymentIntent) => Subject) {}

  /** After every change: search sees this version once the longest matching delay has passed. */
  record(pi: PaymentIntent, now = Date.now()): void {
    const delay = Math.max(0, ...this.rules.list().filter((r) => matches(r.match, this.subjectOf(pi))).map((r) => r.ms));
    const versions = this.current(pi.id, now);
    versions.push({ visibleAt: now + delay, snapshot: structuredClone(pi) });
    this.versions.set(pi.id, versions);
  }

  /** What search sees of `all` (in the caller's order): each one's latest version whose time has come. */
  visible(all: readonly PaymentIntent[], now = Date.now()): PaymentIntent[] {
    return all.flatMap((pi) => {
      const versions = this.current(pi.id, now);
      const [first] = versions;
      if (!first) return [pi];
      if (first.visibleAt > now) return [];
      // Only one version left and visible: it is the object as it is now.
      return versions.length === 1 ? [pi] : [first.snapshot];
    });
  }

  /** The versions from the latest visible one on (older ones can never be seen again). */
  private current(id: string, now: number): Version[] {
    const versions = this.versions.get(id) ?? [];
    let latestVisible = -1;
    versions.forEach((v, i) => {
      if (v.visibleAt <= now) latestVisible = i;
    });
    return latestVisible > 0 ? versions.slice(latestVisible) : versions;
  }

  addRule(input: z.infer<typeof SearchDelayInput>): SearchDelayRule {
    return this.rules.add({ id: newId("srchdelay", 12), ...input });
  }

  clear(): void {
    this.versions.clear();
    this.rules.clear();
  }
}
