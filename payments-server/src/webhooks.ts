import type { Logger } from "pino";
import { z } from "zod";
import type { RuntimeConfig } from "./config.ts";
import { newId } from "./ids.ts";
import { type Match, MatchSchema, matches, type Subject } from "./matching.ts";
import type { StripeEvent } from "./objects.ts";
import { RuleSet } from "./rules.ts";
import { signatureHeader } from "./signing.ts";
import { STALE_EVENT_TYPES, type StaleEventType } from "./stale-events.ts";
import type { Timers } from "./timers.ts";

export const DeliveryPlanSchema = z.strictObject({
  /** Each event is delivered this many times: Stripe may deliver an event more than once. */
  copies: z.number().int().min(1).max(100).default(1),
  /** All deliveries at once (true), or one after the other, each waiting for the previous one to finish. */
  concurrent: z.boolean().default(true),
  /** Random order across the events of one batch and their copies: Stripe does not guarantee ordering. */
  shuffle: z.boolean().default(false),
  /** Wait before delivering, e.g. so the webhook arrives after the API answer, or long after. */
  delayMs: z.number().int().nonnegative().default(0),
});
export type DeliveryPlan = z.infer<typeof DeliveryPlanSchema>;

export const WebhookRuleInput = DeliveryPlanSchema.extend({
  match: MatchSchema.optional(),
  /** Event types injected as stale snapshots of the batch's PaymentIntent and delivered with it (see injectEvent). */
  extraEvents: z.array(z.enum(STALE_EVENT_TYPES)).default([]),
  /** How many batches the rule shapes; null (default) = until cleared. */
  times: z.number().int().positive().nullable().default(null),
});

export interface WebhookRule extends DeliveryPlan {
  id: string;
  match?: Match;
  extraEvents: StaleEventType[];
  remaining: number | null;
  applied: number;
}

export interface DeliveryStats {
  type: string;
  attempted: number;
  succeeded: number;
  failed: number;
}

export interface WebhookDeps {
  config: RuntimeConfig;
  logger: Logger;
  timers: Timers;
  subjectOf(event: StripeEvent): Subject;
  /** Creates the rule's extra events for a batch. */
  extraEvents(batch: StripeEvent[], types: StaleEventType[]): StripeEvent[];
}

const DEFAULT_PLAN: DeliveryPlan = { copies: 1, concurrent: true, shuffle: false, delayMs: 0 };

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Delivers events to the configured endpoint, signed, retried with exponential backoff, shaped by test rules. */
export class WebhookDispatcher {
  readonly rules = new RuleSet<WebhookRule>();
  private readonly stats = new Map<string, DeliveryStats>();
  private abort = new AbortController();

  constructor(private readonly deps: WebhookDeps) {}

  addRule(input: z.infer<typeof WebhookRuleInput>): WebhookRule {
    const { times, ...rest } = input;
    return this.rules.add({ id: newId("whrule", 12), ...rest, remaining: times, applied: 0 });
  }

  deliveryStats(): ReadonlyMap<string, DeliveryStats> {
    return this.stats;
  }

  /** Stops every delivery in flight and forgets rules and counts. */
  reset(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.rules.clear();
    this.stats.clear();
  }

  /** Hands the events of one state change to delivery, grouped by the first rule matching each. Never waits. */
  publish(events: StripeEvent[]): void {
    if (!this.deps.config.webhookUrl || events.length === 0) return;
    const groups = new Map<WebhookRule | undefined, StripeEvent[]>();
    for (const event of events) {
      const rule = this.rules.list().find((r) => r.remaining !== 0 && matches(r.match, this.deps.subjectOf(event)));
      groups.set(rule, [...(groups.get(rule) ?? []), event]);
    }
    for (const [rule, group] of groups) {
      if (rule) {
        rule.applied++;
        if (rule.remaining !== null) rule.remaining--;
      }
      const extra = rule?.extraEvents.length ? this.deps.extraEvents(group, rule.extraEvents) : [];
      this.deliver([...group, ...extra], rule ?? DEFAULT_PLAN);
    }
  }

  deliver(events: StripeEvent[], plan: DeliveryPlan): void {
    const copies = events.flatMap((event) => Array.from({ length: plan.copies }, () => event));
    const items = plan.shuffle ? shuffled(copies) : copies;
    const signal = this.abort.signal;
    void (async () => {
      // Start on a later turn of the event loop, so the API answer is written first whatever the plan.
      await new Promise((resolve) => setImmediate(resolve));
      if (plan.delayMs > 0 && !(await this.deps.timers.sleep(plan.delayMs))) return;
      if (plan.concurrent) await Promise.all(items.map((event) => this.deliverWithRetries(event, signal)));
      else for (const event of items) await this.deliverWithRetries(event, signal);
    })();
  }

  /** Stripe retries failed deliveries with exponential backoff for a bounded time; so do we, with a smaller bound. */
  private async deliverWithRetries(event: StripeEvent, signal: AbortSignal): Promise<void> {
    const { webhookMaxAttempts, webhookRetryBaseMs } = this.deps.config;
    for (let attempt = 1; attempt <= webhookMaxAttempts; attempt++) {
      const url = this.deps.config.webhookUrl;
      if (!url || signal.aborted) return;
      if (await this.attempt(event, url, attempt, signal)) return;
      if (attempt < webhookMaxAttempts && !(await this.deps.timers.sleep(webhookRetryBaseMs * 2 ** (attempt - 1)))) return;
    }
    this.deps.logger.warn({ event: event.id, type: event.type }, "webhook delivery gave up");
  }

  private async attempt(event: StripeEvent, url: string, attempt: number, signal: AbortSignal): Promise<boolean> {
    const stats = this.stats.get(event.id) ?? { type: event.type, attempted: 0, succeeded: 0, failed: 0 };
    this.stats.set(event.id, stats);
    stats.attempted++;
    const body = JSON.stringify(event, null, 2);
    let status: number | string;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": signatureHeader(body, this.deps.config.webhookSecret),
        },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.deps.config.webhookTimeoutMs)]),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch (error) {
      status = error instanceof Error ? error.message : String(error);
    }
    const ok = typeof status === "number" && status >= 200 && status < 300;
    if (ok) {
      stats.succeeded++;
      event.pending_webhooks = 0;
    } else {
      stats.failed++;
    }
    this.deps.logger[ok ? "info" : "warn"]({ event: event.id, type: event.type, url, attempt, status }, "webhook delivery");
    return ok;
  }
}
