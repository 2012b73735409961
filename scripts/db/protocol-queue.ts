import type { PGlite } from "@electric-sql/pglite";

type Job = { handlerId: number; message: Uint8Array; onData: (data: Uint8Array) => void; resolve: (bytes: number) => void; reject: (error: unknown) => void };

// Extended-protocol messages that leave a batch open until the client's Sync ('S').
const OPENS_BATCH = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));
const SYNC = "S".charCodeAt(0);

/**
 * Replaces pglite-socket's query queue (0.2.17), which keeps one connection's messages together
 * only inside a transaction. Outside one, node-postgres sends each query as Parse/Bind/Execute/
 * Sync, and interleaving two connections' messages lets one connection's Parse replace the
 * other's unnamed statement ("unnamed prepared statement does not exist"). This queue stays with
 * a connection from its first Parse to its Sync, as well as for a whole transaction.
 */
export class ProtocolAwareQueue {
  private queue: Job[] = [];
  private processing = false;
  private owner: number | null = null;
  private batchOpen = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.processQueue();
    });
  }

  private busyWith(): number | null {
    return this.owner !== null && (this.batchOpen || this.db.isInTransaction()) ? this.owner : null;
  }

  private async processQueue(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = this.busyWith();
        const index = owner === null ? 0 : this.queue.findIndex((job) => job.handlerId === owner);
        if (index === -1) break; // wait for the connection that holds the database
        const [job] = this.queue.splice(index, 1);
        await this.run(job!);
      }
    } finally {
      this.processing = false;
    }
  }

  private async run(job: Job): Promise<void> {
    const type = job.message[0]!;
    let bytes = 0;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(job.message, { onRawData: (data: Uint8Array) => { bytes += data.length; job.onData(data); } }),
      );
    } catch (error) {
      job.reject(error);
      return;
    }
    this.owner = job.handlerId;
    if (OPENS_BATCH.has(type)) this.batchOpen = true;
    else if (type === SYNC) this.batchOpen = false;
    job.resolve(bytes);
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((job) => (job.handlerId === handlerId ? (job.reject(new Error("Handler disconnected")), false) : true));
  }

  /** A connection that went away mid-transaction or mid-batch must not hold the database. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.owner = null;
    this.batchOpen = false;
    await this.processQueue();
  }
}
