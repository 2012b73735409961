import type { IncomingMessage, ServerResponse } from "node:http";
import { invalidRequest } from "./errors.ts";

/** Stripe's requests are small; a megabyte is far beyond any legitimate body. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidRequest("Request body too large.", undefined, undefined, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Stripe pretty-prints its JSON; keeping that makes replays and curl output look like the real thing. */
export function stripeJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}
