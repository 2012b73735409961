import { setTimeout as sleep } from "node:timers/promises";
import type { Copy } from "../log-schema.ts";
import type { CheckoutPlan, ShopperPlan } from "../plan.ts";
import { followOrder, submitUntilAnswered } from "./checkout-loop.ts";
import { baseUrl, type ShopperContext } from "./context.ts";
import { exchange, jsonMeaning, type Meaning } from "./http.ts";

export type ApiIdentity = { apiClientId: string; apiKey: string };

/** An API client: its checkouts one after another, each with the behaviour and faults the plan drew. */
export async function runApiShopper(context: ShopperContext, shopper: ShopperPlan, identity: ApiIdentity): Promise<void> {
  context.log.identity({ shopper: shopper.id, scope: `api:${identity.apiClientId}` });
  for (const checkout of shopper.checkouts) {
    if (context.stopping()) return;
    await sleep(checkout.thinkMs);
    context.progress.started++;
    await apiCheckout(context, shopper, identity, checkout);
    context.progress.finished++;
  }
}

async function apiCheckout(context: ShopperContext, shopper: ShopperPlan, identity: ApiIdentity, checkout: CheckoutPlan): Promise<void> {
  const { log } = context;
  await context.payments.armForCheckout(shopper.id, checkout, { apiClientId: identity.apiClientId });
  const auth = { Authorization: `Bearer ${identity.apiKey}` };
  const body = JSON.stringify({ items: checkout.items, paymentMethod: checkout.paymentMethod });

  const submit = async (copy: Copy, abandonAfterMs?: number) => {
    const { meaning } = await exchange(
      log,
      { shopper: shopper.id, op: "api_checkout", copy, via: checkout.via, n: checkout.n, key: checkout.key, items: checkout.items, paymentMethod: checkout.paymentMethod, ...(abandonAfterMs !== undefined && { abandonAfterMs }) },
      { url: `${baseUrl(context, checkout.via)}/api/checkout`, init: { method: "POST", headers: { ...auth, "Idempotency-Key": checkout.key, "Content-Type": "application/json" }, body } },
      jsonMeaning,
    );
    return meaning;
  };
  let answer = await submitUntilAnswered(checkout, submit, { idempotencyTtlMs: context.idempotencyTtlMs, later: context.later });

  const readOrder = async (orderId: string, copy: Copy): Promise<Meaning> =>
    (await exchange(log, { shopper: shopper.id, op: "order", copy, via: "lb", n: checkout.n, orderId }, { url: `${context.urls.lb}/api/orders/${orderId}`, init: { headers: auth } }, jsonMeaning)).meaning;
  if (answer.orderId) answer = await followOrder(answer, () => readOrder(answer.orderId!, "poll"));

  if (checkout.refund && answer.orderId && answer.told === "paid") await refund(context, shopper, checkout, answer.orderId, auth);
}

/** A refund, double-clicked on two instances at once when the plan says so; once more if nothing answered. */
async function refund(context: ShopperContext, shopper: ShopperPlan, checkout: CheckoutPlan, orderId: string, auth: Record<string, string>): Promise<void> {
  const send = async (url: string, via: "lb" | "instance", copy: Copy) =>
    (await exchange(context.log, { shopper: shopper.id, op: "refund", copy, via, n: checkout.n, orderId }, { url: `${url}/api/orders/${orderId}/refund`, init: { method: "POST", headers: auth } }, jsonMeaning)).meaning;
  const instances = context.instanceUrls();
  const pair = [instances[checkout.n % instances.length]!, instances[(checkout.n + 1) % instances.length]!];
  const targets = checkout.refund!.clicks === 2 && instances.length >= 2 ? pair.map((url) => [url, "instance"] as const) : [[context.urls.lb, "lb"] as const];
  const answers = await Promise.all(targets.map(([url, via], index) => send(url, via, index === 0 ? "first" : "refund_click")));
  if (answers.every((answer) => answer.told === "none" || answer.told === "unknown" || answer.told === "error")) await send(context.urls.lb, "lb", "retry");
}
