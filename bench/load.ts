import autocannon from "autocannon";
import { latency, type Latency } from "./stats.ts";

/** One request of a load run; `tag` names it in the replies (an idempotency key, an event id). */
export type Shot = { method?: "GET" | "POST"; path: string; headers: Record<string, string>; body?: string; tag: string };
export type Reply = { tag: string; status: number; replayed: boolean; body: string };

export type LoadRun = {
  requests: number;
  elapsedMs: number;
  /** Answered requests per second, from the first request to the last answer. */
  throughput: number;
  latency: Latency;
  statuses: Record<string, number>;
  /** Connection errors and timeouts: a run with any of them is not a valid measurement. */
  errors: number;
  replies: Reply[];
};

/**
 * Sends exactly `amount` requests with autocannon over `connections` keep-alive connections; the
 * i-th request sent is `shot(i)`, whichever connection sends it. Latency is taken per answer
 * (autocannon's own histogram has no p95), throughput from the first send to the last answer.
 */
export async function load(options: { url: string; connections: number; amount: number; shot: (index: number) => Shot }): Promise<LoadRun> {
  const connections = Math.min(options.connections, options.amount);
  const samples: number[] = [];
  const replies: Reply[] = [];
  let sent = 0;
  let lastAnswer = 0;
  const started = performance.now();
  const instance = autocannon({
    url: options.url,
    connections,
    amount: options.amount,
    timeout: 60,
    requests: [
      {
        setupRequest: (request, context) => {
          const shot = options.shot(sent++);
          context.tag = shot.tag;
          return { ...request, method: shot.method ?? "POST", path: shot.path, headers: shot.headers, body: shot.body ?? "" };
        },
        onResponse: (status, body, context, headers) => {
          replies.push({ tag: String(context.tag), status, replayed: headerValue(headers, "idempotent-replayed") === "true", body });
        },
      },
    ],
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    samples.push(responseTimeMs);
    lastAnswer = performance.now();
  });
  const result = await instance;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const elapsedMs = lastAnswer - started;
  return { requests: samples.length, elapsedMs, throughput: (samples.length / elapsedMs) * 1000, latency: latency(samples), statuses, errors: result.errors, replies };
}

function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  const value = entry?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/** How many requests fit in `seconds` at the rate a warm-up run reached, within bounds. */
export function amountFor(warmup: LoadRun, seconds: number, bounds: { min: number; max: number }): number {
  return Math.round(Math.min(bounds.max, Math.max(bounds.min, warmup.throughput * seconds)));
}
