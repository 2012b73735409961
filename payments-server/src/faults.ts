import { z } from "zod";
import { newId } from "./ids.ts";
import { type Match, MatchSchema, matches, type Subject } from "./matching.ts";
import { RuleSet } from "./rules.ts";

export const FaultSchema = z.discriminatedUnion("kind", [
  /** 503 before the endpoint executes: nothing is saved under the idempotency key, so a retry executes. */
  z.strictObject({ kind: z.literal("unavailable_before") }),
  /** Holds the idempotency key "in progress" for `ms`, so concurrent requests with the key see 409s. */
  z.strictObject({ kind: z.literal("delay_while_executing"), ms: z.number().int().nonnegative() }),
  /** A 500 raised inside the endpoint: nothing is charged, but the 500 is saved and replayed, as Stripe does. */
  z.strictObject({ kind: z.literal("error_while_executing") }),
  /** Everything done and saved, then the response waits `ms`: the client times out on a request that succeeded. */
  z.strictObject({ kind: z.literal("delay_after_commit"), ms: z.number().int().nonnegative() }),
  /** Everything done and saved, then the connection is destroyed without a response: a lost response. */
  z.strictObject({ kind: z.literal("drop_after_commit") }),
]);
export type Fault = z.infer<typeof FaultSchema>;

export const FaultRuleInput = z.strictObject({
  match: MatchSchema.optional(),
  fault: FaultSchema,
  /** How many matching requests the fault hits; null = every one until cleared. */
  times: z.number().int().positive().nullable().default(1),
});

export interface FaultRule {
  id: string;
  match?: Match;
  fault: Fault;
  /** null = unlimited. */
  remaining: number | null;
  applied: number;
}

/** When in a request's life a fault strikes. */
export type Phase = "before" | "executing" | "after";

const PHASE: Record<Fault["kind"], Phase> = {
  unavailable_before: "before",
  delay_while_executing: "executing",
  error_while_executing: "executing",
  delay_after_commit: "after",
  drop_after_commit: "after",
};

export class FaultRegistry {
  /** Used-up rules stay listed (remaining 0) so a test can check that its fault struck. */
  readonly rules = new RuleSet<FaultRule>();

  add(input: z.infer<typeof FaultRuleInput>): FaultRule {
    return this.rules.add({ id: newId("fault", 12), match: input.match, fault: input.fault, remaining: input.times, applied: 0 });
  }

  /** The faults of `phase` that apply to this request, each counted as used once. */
  take(phase: Phase, subject: Subject): Fault[] {
    const hit = this.rules.list().filter((r) => PHASE[r.fault.kind] === phase && r.remaining !== 0 && matches(r.match, subject));
    for (const rule of hit) {
      rule.applied++;
      if (rule.remaining !== null) rule.remaining--;
    }
    return hit.map((r) => r.fault);
  }
}
