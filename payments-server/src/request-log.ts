import type { Metadata } from "./params.ts";

/**
 * What became of an API request: `executed` ran the endpoint (and saved its result), `replayed` answered from the
 * idempotency store; the rest ran nothing and saved nothing.
 */
export type Outcome = "executed" | "replayed" | "conflict" | "mismatch" | "rejected" | "unavailable";

export interface RequestRecord {
  requestId: string;
  method: string;
  path: string;
  idempotencyKey: string | null;
  metadata: Metadata;
  paymentIntent: string | null;
  outcome: Outcome;
  status: number;
}

/** Keeps the most recent requests so stats can count executions and replays per key. */
export class RequestLog {
  private records: RequestRecord[] = [];

  constructor(private readonly limit = 100_000) {}

  add(record: RequestRecord): void {
    this.records.push(record);
    if (this.records.length > this.limit) this.records = this.records.slice(-this.limit / 2);
  }

  all(): readonly RequestRecord[] {
    return this.records;
  }

  clear(): void {
    this.records = [];
  }
}
