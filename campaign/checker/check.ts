import { readClientLog } from "./client-history.ts";
import { readDatabase } from "./database.ts";
import { historyOf } from "./history.ts";
import { checkInvariants, type CheckInput, type InvariantResult } from "./invariants.ts";
import type { Ledger } from "./ledger.ts";

export type CheckResult = { results: InvariantResult[]; all: { invariant: number; message: string }[]; violations: { invariant: number; message: string; subject: Record<string, unknown>; history: string[] }[]; orders: CheckInput["db"]["orders"]; distinctKeys: number };

/**
 * The independent checker: the final state of the database, the payments server's ledger and the
 * client log, and nothing else (it imports nothing from lib/ or app/). At most `detailed`
 * violations get their full history printed; all are counted.
 */
export async function check(input: { databaseUrl: string; ledger: Ledger; clientLog: string; liveness: CheckInput["liveness"]; detailed?: number }): Promise<CheckResult> {
  const db = await readDatabase(input.databaseUrl);
  const client = readClientLog(input.clientLog);
  const results = checkInvariants({ db, ledger: input.ledger, client, liveness: input.liveness });
  const all = results.flatMap((result) => result.violations);
  // The first few of each invariant, so one noisy invariant does not hide the others.
  const shown = results.flatMap((result) => result.violations.slice(0, Math.max(1, Math.floor((input.detailed ?? 40) / 8))));
  const violations = shown.map((violation) => ({ invariant: violation.invariant, message: violation.message, subject: violation.subject, history: historyOf(violation, { db, ledger: input.ledger, client }) }));
  const keys = new Set([...client.requests.values()].filter((r) => r.key && (r.op === "api_checkout" || r.op === "place_order")).map((r) => `${client.scopes.get(r.shopper) ?? r.shopper}\u0000${r.key}`));
  return { results, all: all.map(({ invariant, message }) => ({ invariant, message })), violations: all.length ? violations : [], orders: db.orders, distinctKeys: keys.size };
}
