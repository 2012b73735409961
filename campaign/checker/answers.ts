import type { Told } from "../log-schema.ts";
import type { OrderStatus } from "./database.ts";

/**
 * Invariant 6: what a shopper was told about an order, against where the order ended. Every
 * answer that names an order is checked, not only the last: an order only moves forward, so
 * every answer must be consistent with its final state.
 *
 * | told (answer)                                               | final state allowed        |
 * | ----------------------------------------------------------- | -------------------------- |
 * | paid (201 paid, an order page showing paid)                 | paid, refunded             |
 * | processing (201 processing, an order page showing it)       | paid, failed, refunded     |
 * | placed (the server action redirected to the order page)     | paid, failed, refunded     |
 * | refunded (a refund's 200, an order page showing refunded)   | refunded                   |
 * | failed (402, a declined card's failed order)                | failed                     |
 * | pending, unknown (503), in flight (409), mismatch (422),    | any                        |
 * | rejected (400/404/409 cart changed), error (5xx), no answer |                            |
 * | (none), a cart shown (cart)                                  |                            |
 */
export const ANSWER_TABLE: Record<Told, readonly OrderStatus[] | "any"> = {
  paid: ["paid", "refunded"],
  processing: ["paid", "failed", "refunded"],
  placed: ["paid", "failed", "refunded"],
  refunded: ["refunded"],
  failed: ["failed"],
  pending: "any",
  unknown: "any",
  in_flight: "any",
  mismatch: "any",
  rejected: "any",
  error: "any",
  none: "any",
  cart: "any",
};

export function agrees(told: Told, final: OrderStatus): boolean {
  const allowed = ANSWER_TABLE[told];
  return allowed === "any" || allowed.includes(final);
}

/** The table as markdown, for the report (one source: the table above). */
export function answerTableMarkdown(): string {
  const rows = Object.entries(ANSWER_TABLE).map(([told, allowed]) => `| ${told} | ${allowed === "any" ? "any" : allowed.join(", ")} |`);
  return ["| told | final state allowed |", "| --- | --- |", ...rows].join("\n");
}
