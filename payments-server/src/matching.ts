import { z } from "zod";
import type { FormObject } from "./form.ts";
import type { Metadata } from "./params.ts";

/**
 * Selects requests (faults), events (webhook rules) or objects (stats). Every given field must match, so parallel
 * tests can each address only their own order: by idempotency key or by the metadata they put on the PaymentIntent.
 */
export const MatchSchema = z.strictObject({
  idempotencyKey: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** Exact, or a prefix when it ends with `*`: `/v1/payment_intents*`. */
  path: z.string().optional(),
  method: z.string().optional(),
  /** Event type, exact or `payment_intent.*`. */
  type: z.string().optional(),
  paymentIntent: z.string().optional(),
});
export type Match = z.infer<typeof MatchSchema>;

/** What a request, event or object looks like to a Match. */
export interface Subject {
  idempotencyKey?: string | null;
  metadata?: Metadata;
  path?: string;
  method?: string;
  type?: string;
  paymentIntent?: string | null;
}

export function wildcard(pattern: string, value: string | undefined): boolean {
  return pattern.endsWith("*") ? (value ?? "").startsWith(pattern.slice(0, -1)) : pattern === value;
}

export function matches(match: Match | undefined, s: Subject): boolean {
  if (!match) return true;
  return (
    (match.idempotencyKey === undefined || match.idempotencyKey === s.idempotencyKey) &&
    Object.entries(match.metadata ?? {}).every(([k, v]) => s.metadata?.[k] === v) &&
    (match.path === undefined || wildcard(match.path, s.path)) &&
    (match.method === undefined || match.method.toUpperCase() === s.method) &&
    (match.type === undefined || wildcard(match.type, s.type)) &&
    (match.paymentIntent === undefined || match.paymentIntent === s.paymentIntent)
  );
}

/** A Match from a query string: `?idempotencyKey=k`, `?metadata[orderId]=1`, or `?metadataKey=orderId&metadataValue=1`. */
export function matchFromQuery(query: FormObject): Match {
  const text = (key: string) => (typeof query[key] === "string" ? (query[key] as string) : undefined);
  const metadata: Metadata = {};
  const nested = query.metadata;
  if (typeof nested === "object") for (const [k, v] of Object.entries(nested)) if (typeof v === "string") metadata[k] = v;
  const key = text("metadataKey");
  if (key !== undefined) metadata[key] = text("metadataValue") ?? "";
  const match: Match = {
    idempotencyKey: text("idempotencyKey"),
    metadata: Object.keys(metadata).length ? metadata : undefined,
    path: text("path"),
    method: text("method"),
    type: text("type"),
    paymentIntent: text("paymentIntent"),
  };
  return Object.fromEntries(Object.entries(match).filter(([, v]) => v !== undefined));
}
