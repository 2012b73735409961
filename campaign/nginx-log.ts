import { existsSync, readFileSync } from "node:fs";

/**
 * The proxy's own retries, from nginx's access log (`upstream=` lists every instance nginx tried):
 * on the retrying proxy a request that reached two instances was sent twice; on the shop's address
 * nginx moves on only when it could not send (an instance down).
 */
export function proxyRetries(accessLog: string, ports: { lb: number; retrying: number }) {
  const counts = { retryingRequests: 0, retryingResent: 0, lbRequests: 0, lbFailedOver: 0 };
  if (!existsSync(accessLog)) return counts;
  for (const line of readFileSync(accessLog, "utf8").split("\n")) {
    const match = /^\S+ (\d+) .* upstream=(.*?) upstream_status=/.exec(line);
    if (!match) continue;
    const tried = match[2]!.includes(",");
    if (Number(match[1]) === ports.retrying) {
      counts.retryingRequests++;
      if (tried) counts.retryingResent++;
    } else if (Number(match[1]) === ports.lb) {
      counts.lbRequests++;
      if (tried) counts.lbFailedOver++;
    }
  }
  return counts;
}
