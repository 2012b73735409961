import { timingSafeEqual } from "node:crypto";
import { sha256 } from "@/lib/hash.ts";

export type MetricsAccess = "open" | "granted" | "denied" | "absent";

/**
 * Who may read /api/metrics. Its counters are the shop's business volumes (checkouts, charges,
 * refunds), so a production build shows them only to a scraper holding METRICS_TOKEN, and
 * without a token configured the endpoint does not exist (404). Development stays open.
 */
export function metricsAccess(authorization: string | null, config: { production: boolean; token: string | undefined }): MetricsAccess {
  if (!config.production) return "open";
  if (!config.token) return "absent";
  const presented = /^Bearer\s+(\S+)$/.exec(authorization ?? "")?.[1];
  if (!presented) return "denied";
  // Compared as fixed-length digests in constant time: the answer's timing says nothing of the token.
  return timingSafeEqual(Buffer.from(sha256(presented)), Buffer.from(sha256(config.token))) ? "granted" : "denied";
}
