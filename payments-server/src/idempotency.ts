import { createHash } from "node:crypto";
import { invalidRequest } from "./errors.ts";
import type { FormObject } from "./form.ts";

/** Stripe's limit on Idempotency-Key length. */
export const MAX_KEY_LENGTH = 255;

/** A response exactly as first sent, so a replay is byte-for-byte identical. */
export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  requestId: string;
}

interface Entry {
  fingerprint: string;
  expiresAt: number;
  /** Unset while the first request is still executing. */
  response?: StoredResponse;
}

export type Claim =
  | { kind: "execute"; commit(response: StoredResponse): void; release(): void }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "mismatch" }
  | { kind: "in_use" };

function canonical(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
}

/** Stripe compares the parameters of a repeated key with the first request's; method and path are part of "parameters". */
export function fingerprint(method: string, path: string, params: FormObject): string {
  return createHash("sha256").update(JSON.stringify([method, path, canonical(params)])).digest("hex");
}

export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === "") return undefined;
  if (key.length > MAX_KEY_LENGTH) {
    throw invalidRequest(`Invalid Idempotency-Key: keys for idempotent requests can be at most ${MAX_KEY_LENGTH} characters long (got ${key.length}).`, "Idempotency-Key");
  }
  return key;
}

/**
 * Idempotency results per API key. Claiming a key marks it as executing; only `commit` saves a result, so a request
 * that is rejected before the endpoint starts executing `release`s the key and may be retried, as Stripe documents.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private claims = 0;

  constructor(private readonly ttlMs: () => number) {}

  claim(apiKey: string, key: string, print: string, now = Date.now()): Claim {
    if (++this.claims % 1000 === 0) this.sweep(now);
    const id = `${apiKey}\u0000${key}`;
    const entry = this.entries.get(id);
    if (entry && !(entry.response && entry.expiresAt <= now)) {
      if (entry.fingerprint !== print) return { kind: "mismatch" };
      return entry.response ? { kind: "replay", response: entry.response } : { kind: "in_use" };
    }
    const fresh: Entry = { fingerprint: print, expiresAt: now + this.ttlMs() };
    this.entries.set(id, fresh);
    return {
      kind: "execute",
      commit: (response) => {
        fresh.response = response;
      },
      release: () => {
        if (this.entries.get(id) === fresh) this.entries.delete(id);
      },
    };
  }

  private sweep(now: number): void {
    for (const [id, entry] of this.entries) if (entry.response && entry.expiresAt <= now) this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
