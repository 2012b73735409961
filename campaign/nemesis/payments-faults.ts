import { z } from "zod";
import type { ClientLog } from "../client-log.ts";
import { type CheckoutPlan, webhookFaultKinds } from "../plan.ts";

const Rule = z.object({ id: z.string(), applied: z.number() });
const Rules = z.object({ data: z.array(Rule) });

/**
 * The payments server's fault controls, aimed at one shopper at a time: a rule matches the
 * metadata the shop puts on its PaymentIntents (the API client, or the cart), so it strikes that
 * shopper's next payment and nobody else's. What struck is read back at the end (`applied`).
 */
export class PaymentsControl {
  /** rule id → the fault kinds it stands for. */
  private readonly kinds = new Map<string, string[]>();

  constructor(
    private readonly url: string,
    private readonly log: ClientLog,
  ) {}

  private async post(path: string, body: unknown): Promise<{ id: string }> {
    const answer = await fetch(`${this.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!answer.ok) throw new Error(`POST ${path} answered ${answer.status}: ${await answer.text()}`);
    return Rule.parse(await answer.json());
  }

  async armForCheckout(shopper: string, checkout: CheckoutPlan, metadata: { apiClientId: string } | { cartId: string }): Promise<void> {
    const { paymentsFault, webhookFault } = checkout;
    if (paymentsFault) {
      const { kind, times, ...rest } = paymentsFault as typeof paymentsFault & { times: number };
      // Only the payment's creation: the checkout's own call to Stripe.
      const rule = await this.post("/_test/faults", { match: { metadata, path: "/v1/payment_intents", method: "POST" }, fault: { kind, ...rest }, times });
      this.kinds.set(rule.id, [kind]);
      this.log.fault({ kind, shopper, n: checkout.n, ruleId: rule.id, detail: { ...rest, times } });
    }
    if (webhookFault) {
      const stale = webhookFault.stale ? (checkout.paymentMethod.startsWith("pm_test_delayed") ? ["payment_intent.processing", "payment_intent.payment_failed"] : ["payment_intent.payment_failed"]) : [];
      const rule = await this.post("/_test/webhooks", { match: { metadata }, copies: webhookFault.copies, shuffle: webhookFault.shuffle, delayMs: webhookFault.delayMs, extraEvents: stale, concurrent: true, times: 1 });
      const kinds = webhookFaultKinds(webhookFault);
      this.kinds.set(rule.id, kinds);
      for (const kind of kinds) this.log.fault({ kind, shopper, n: checkout.n, ruleId: rule.id, detail: { copies: webhookFault.copies, shuffle: webhookFault.shuffle, delayMs: webhookFault.delayMs, extraEvents: stale } });
    }
  }

  /** Fault kinds that actually struck (a rule's `applied` > 0), counted once per rule. */
  async struck(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const path of ["/_test/faults", "/_test/webhooks"]) {
      const rules = Rules.parse(await (await fetch(`${this.url}${path}`)).json()).data;
      for (const rule of rules) {
        if (rule.applied === 0) continue;
        for (const kind of this.kinds.get(rule.id) ?? []) counts[kind] = (counts[kind] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** Faults stop: every rule still waiting is removed, so what follows is recovery only. */
  async clear(): Promise<void> {
    for (const path of ["/_test/faults", "/_test/webhooks"]) await fetch(`${this.url}${path}`, { method: "DELETE" });
  }
}
