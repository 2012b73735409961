import type { Plan, ShopperPlan } from "./plan.ts";
import { runApiShopper, type ApiIdentity } from "./shoppers/api-shopper.ts";
import { runCartShopper } from "./shoppers/cart-shopper.ts";
import type { ShopperContext } from "./shoppers/context.ts";

/**
 * Runs the plan's shoppers, `concurrency` at a time, in plan order. A shopper runs its checkouts
 * one after another; once the duration is over no new checkout starts, and those in flight finish.
 */
export async function runTraffic(context: ShopperContext, plan: Plan, identities: Map<string, ApiIdentity>, concurrency: number, onError: (shopper: ShopperPlan, error: unknown) => void): Promise<void> {
  const queue = [...plan.shoppers];
  const lane = async () => {
    for (let shopper = queue.shift(); shopper && !context.stopping(); shopper = queue.shift()) {
      try {
        if (shopper.kind === "api") await runApiShopper(context, shopper, identities.get(shopper.id)!);
        else await runCartShopper(context, shopper);
      } catch (error) {
        onError(shopper, error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
