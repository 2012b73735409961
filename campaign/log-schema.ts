import { z } from "zod";

/**
 * The client log: one JSON line per thing a shopper did or was shown, and per fault the campaign
 * injected. The checker reads it with these schemas (it trusts the log, which the campaign wrote,
 * not the shop). Times are milliseconds since the campaign started.
 */
export const Via = z.enum(["lb", "retrying", "instance"]);
export type Via = z.infer<typeof Via>;

export const Operation = z.enum(["api_checkout", "place_order", "refund", "order", "cart", "add_to_cart", "set_quantity"]);
export type Operation = z.infer<typeof Operation>;

/** Why a request with this key was sent: the first submit, a duplicate click, a retry, a reload, a second tab, … */
export const Copy = z.enum(["first", "click", "retry", "reload", "late_reload", "second_tab", "refund_click", "poll", "edit_race", "browse"]);
export type Copy = z.infer<typeof Copy>;

const shopper = z.string();

export const IdentityEntry = z.object({ type: z.literal("identity"), t: z.number(), shopper, scope: z.string() });
export type IdentityEntry = z.infer<typeof IdentityEntry>;

export const RequestEntry = z.object({
  type: z.literal("request"),
  t: z.number(),
  id: z.number().int(),
  shopper,
  op: Operation,
  copy: Copy,
  via: Via,
  /** The logical checkout (its ordinal in the plan). */
  n: z.number().int().optional(),
  key: z.string().optional(),
  cartVersion: z.number().int().optional(),
  orderId: z.string().optional(),
  items: z.array(z.object({ slug: z.string(), quantity: z.number().int() })).optional(),
  paymentMethod: z.string().optional(),
  abandonAfterMs: z.number().int().optional(),
});
export type RequestEntry = z.infer<typeof RequestEntry>;

/** What the shopper was told about an order, as the checker's answer table reads it ("none": no answer; "cart": a cart, no order). */
export const Told = z.enum(["paid", "processing", "placed", "refunded", "failed", "pending", "unknown", "in_flight", "mismatch", "rejected", "error", "none", "cart"]);
export type Told = z.infer<typeof Told>;

export const AnswerEntry = z.object({
  type: z.literal("answer"),
  t: z.number(),
  id: z.number().int(),
  shopper,
  /** null: no answer at all (connection reset, abandoned, timed out). */
  status: z.number().int().nullable(),
  told: Told,
  orderId: z.string().optional(),
  totalCents: z.number().int().optional(),
  code: z.string().optional(),
  replayed: z.boolean().optional(),
  upstream: z.string().optional(),
  error: z.string().optional(),
});
export type AnswerEntry = z.infer<typeof AnswerEntry>;

export const CartLine = z.object({ slug: z.string(), quantity: z.number().int(), unitPriceCents: z.number().int() });
export type CartLine = z.infer<typeof CartLine>;

export const CartViewEntry = z.object({
  type: z.literal("cart_view"),
  t: z.number(),
  /** The request whose answer showed it. */
  id: z.number().int(),
  shopper,
  cartId: z.string(),
  version: z.number().int(),
  lines: z.array(CartLine),
});
export type CartViewEntry = z.infer<typeof CartViewEntry>;

export const FaultEntry = z.object({
  type: z.literal("fault"),
  t: z.number(),
  kind: z.string(),
  shopper: z.string().optional(),
  n: z.number().int().optional(),
  instance: z.number().int().optional(),
  ruleId: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type FaultEntry = z.infer<typeof FaultEntry>;

export const KillEntry = z.object({
  type: z.literal("kill"),
  t: z.number(),
  /** An app instance (by default), or the mailer process (instance 0). */
  target: z.enum(["instance", "mailer"]).optional(),
  instance: z.number().int(),
  /** The pause point the instance was held at, or null for a kill at a random moment. */
  point: z.string().nullable(),
  /** The scope of the request held there. */
  scope: z.string().optional(),
});
export type KillEntry = z.infer<typeof KillEntry>;

export const PhaseEntry = z.object({ type: z.literal("phase"), t: z.number(), name: z.string(), detail: z.record(z.string(), z.unknown()).optional() });

export const LogEntry = z.discriminatedUnion("type", [IdentityEntry, RequestEntry, AnswerEntry, CartViewEntry, FaultEntry, KillEntry, PhaseEntry]);
export type LogEntry = z.infer<typeof LogEntry>;
