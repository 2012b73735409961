import { createHmac } from "node:crypto";
import { unixNow } from "./ids.ts";

/**
 * Stripe's webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, keyed with the whole `whsec_`
 * string. Signing happens per attempt, so a retried delivery carries a fresh timestamp within the receiver's tolerance.
 */
export function signatureHeader(body: string, secret: string, timestamp = unixNow()): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${signature}`;
}
