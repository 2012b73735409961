import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { naiveCheckoutEnabled } from "@/lib/checkout/naive.ts";
import { apiScope } from "@/lib/checkout/request.ts";
import { db } from "@/lib/db.ts";
import { labPaymentsUrl } from "@/lib/dev-tools.ts";
import { sha256 } from "@/lib/hash.ts";
import type { ScenarioId } from "@/lib/lab/catalog.ts";
import { PaymentsControl } from "@/lib/lab/payments-control.ts";
import { createRun, finishRun, narrate, type LabResult, type StoredRun, type Tally } from "@/lib/lab/runs.ts";
import { SCENARIO_RUNS, type ScenarioContext } from "@/lib/lab/scenarios.ts";
import { ShopClient } from "@/lib/lab/shop-client.ts";
import { logger } from "@/lib/log.ts";

export class LabUnavailable extends Error {}

/**
 * Starts a scenario against this shop at `origin`. Each run is a new API client of the shop, so
 * its keys, orders and payments are its own; the caller awaits `done` after answering.
 */
export async function startLabRun(scenario: ScenarioId, origin: string): Promise<{ run: StoredRun; done: Promise<void> }> {
  const paymentsUrl = labPaymentsUrl();
  if (!paymentsUrl) throw new LabUnavailable("The lab needs the local payments server (its fault controls); this shop talks to real Stripe.");
  const apiKey = `lab_${randomBytes(24).toString("base64url")}`;
  const client = await db.apiClient.create({ data: { name: `lab: ${scenario}`, keyHash: sha256(apiKey) }, select: { id: true } });
  const run = createRun(scenario, apiScope(client.id));
  const context: ScenarioContext = {
    run,
    shop: new ShopClient(origin, apiKey, run),
    payments: new PaymentsControl(paymentsUrl, client.id),
    naiveAvailable: naiveCheckoutEnabled(),
    say: (text, tone) => narrate(run, text, tone),
  };
  return { run, done: execute(context) };
}

async function execute(context: ScenarioContext): Promise<void> {
  const { run } = context;
  try {
    await SCENARIO_RUNS[run.scenario].run(context);
    narrate(run, "Waiting for webhooks and the outbox to settle every order…");
    await waitUntilSettled(run.scope);
    finishRun(run, { result: await tally(context) });
  } catch (error) {
    logger.warn({ err: error, scenario: run.scenario }, "lab run failed");
    finishRun(run, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Until no order of the run is pending or processing and every confirmation reached the mailbox (bounded). */
async function waitUntilSettled(scope: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [unsettled, unsent] = await Promise.all([
      db.order.count({ where: { scope, status: { in: ["pending", "processing"] } } }),
      // Queued in the outbox and not yet in the mailbox (sent but still in the broker counts too).
      db.outboxMessage.count({ where: { recipient: scope, order: { mailbox: { none: {} } } } }),
    ]);
    if (unsettled === 0 && unsent === 0) return;
    await sleep(250);
  }
}

/** Counts what happened, from the shop's database and the payments server — never from the runner's own bookkeeping. */
async function tally(context: ScenarioContext): Promise<LabResult> {
  const { run, payments, shop } = context;
  const [orders, intents, sent] = await Promise.all([
    db.order.findMany({ where: { scope: run.scope }, orderBy: { createdAt: "asc" }, select: { id: true, status: true, idempotencyKey: true } }),
    payments.paymentIntents(),
    db.mailboxEntry.findMany({ where: { recipient: run.scope }, select: { orderId: true } }),
  ]);
  const naiveIds = new Set(orders.filter((order) => order.idempotencyKey.startsWith("naive_")).map((order) => order.id));
  const count = (isNaive: boolean): Tally => ({
    orders: orders.filter((order) => naiveIds.has(order.id) === isNaive).length,
    charges: intents.filter((intent) => intent.status === "succeeded" && naiveIds.has(intent.metadata.orderId ?? "") === isNaive).length,
    messages: sent.filter((message) => naiveIds.has(message.orderId) === isNaive).length,
  });
  const safe = count(false);
  const estimate = await SCENARIO_RUNS[run.scenario].naive?.(context, safe);
  const naive = naiveIds.size > 0
    ? { ...count(true), measured: true, how: SCENARIO_RUNS[run.scenario].measuredHow ?? "measured: the same burst sent to the naive checkout" }
    : estimate
      ? { ...estimate, measured: false }
      : { ...perAttempt(shop.attempts), measured: false, how: `one order per attempt of the shopper (${shop.attempts.length}), a charge and a confirmation for each with a working card` };
  return { safe, naive, orders: orders.map((order) => ({ id: order.id, status: order.status, naive: naiveIds.has(order.id) })) };
}

function perAttempt(attempts: { succeeds: boolean }[]): Tally {
  const charges = attempts.filter((attempt) => attempt.succeeds).length;
  return { orders: attempts.length, charges, messages: charges };
}
