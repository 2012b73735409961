import type { ClientLog } from "../client-log.ts";
import type { PaymentsControl } from "../nemesis/payments-faults.ts";
import type { Via } from "../plan.ts";
import type { ServerActions } from "./actions.ts";

/** What every shopper shares: the log, the addresses, the fault controls, the run's progress. */
export type ShopperContext = {
  log: ClientLog;
  urls: { lb: string; retrying: string };
  /** Instances' own addresses (a refund double-clicked "on two instances" goes to two of them directly). */
  instanceUrls: () => string[];
  payments: PaymentsControl;
  actions: ServerActions;
  progress: { started: number; finished: number };
  /** True once the run's duration is over: no new checkout starts. */
  stopping: () => boolean;
  idempotencyTtlMs: number;
  /** Work a shopper leaves running while it moves on (a tab reloaded much later); awaited before the faults stop. */
  later: (task: Promise<unknown>) => void;
};

export const baseUrl = (context: ShopperContext, via: Via) => (via === "retrying" ? context.urls.retrying : context.urls.lb);
