import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { AnswerEntry, CartViewEntry, FaultEntry, IdentityEntry, KillEntry, LogEntry, RequestEntry } from "./log-schema.ts";

type Fields<T> = Omit<T, "type" | "t">;

/** Appends the client log, one JSON line per entry; also counts what it wrote for the live progress line. */
export class ClientLog {
  private readonly stream: WriteStream;
  private readonly started = performance.now();
  private nextRequestId = 1;
  readonly counts = { requests: 0, answers: 0, noAnswer: 0, cartViews: 0, faults: 0, kills: 0 };

  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { flags: "w" });
  }

  /** Milliseconds since the campaign started. */
  now(): number {
    return Math.round(performance.now() - this.started);
  }

  private write(entry: LogEntry): void {
    this.stream.write(`${JSON.stringify(entry)}\n`);
  }

  identity(fields: Fields<IdentityEntry>): void {
    this.write({ type: "identity", t: this.now(), ...fields });
  }

  request(fields: Omit<Fields<RequestEntry>, "id">): number {
    const id = this.nextRequestId++;
    this.counts.requests++;
    this.write({ type: "request", t: this.now(), id, ...fields });
    return id;
  }

  answer(fields: Fields<AnswerEntry>): void {
    if (fields.status === null) this.counts.noAnswer++;
    else this.counts.answers++;
    this.write({ type: "answer", t: this.now(), ...fields });
  }

  cartView(fields: Fields<CartViewEntry>): void {
    this.counts.cartViews++;
    this.write({ type: "cart_view", t: this.now(), ...fields });
  }

  fault(fields: Fields<FaultEntry>): void {
    this.counts.faults++;
    this.write({ type: "fault", t: this.now(), ...fields });
  }

  kill(fields: Fields<KillEntry>): void {
    this.counts.kills++;
    this.write({ type: "kill", t: this.now(), ...fields });
  }

  phase(name: string, detail?: Record<string, unknown>): void {
    this.write({ type: "phase", t: this.now(), name, ...(detail && { detail }) });
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, "finish");
  }
}
