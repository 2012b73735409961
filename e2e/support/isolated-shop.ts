import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startPaymentsServer, type PaymentsServer } from "../../payments-server/src/index.ts";
import { createScratchDatabase } from "../../scripts/db/scratch-database.ts";
import { freePort } from "../../scripts/free-port.ts";
import { groupAlive, signalGroup } from "../../scripts/process-group.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WEBHOOK_SECRET = "whsec_isolated_e2e_secret";
const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A database of its own on the PostgreSQL server (TEST_DATABASE=postgres); the stack migrates and seeds it. */
const createPostgresDatabase = () => createScratchDatabase(POSTGRES_ADMIN_URL, "checkout_isolated");

/** Every isolated shop still running in this worker, killed if the worker exits without teardown. */
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) signalGroup(pid, "SIGKILL");
});

/**
 * A whole shop for one test, which the test may crash: the production build started by
 * `scripts/stack.ts start` in a process group of its own (stack → embedded database owner →
 * next-server), on its own port, with its own database (an embedded PGlite folder in a temp
 * dir, or a fresh PostgreSQL database with TEST_DATABASE=postgres), and its own payments
 * server running in the test process, so it survives the shop's crash like a real Stripe.
 */
export class IsolatedShop {
  private app: ChildProcess | null = null;

  private constructor(
    readonly url: string,
    private readonly port: number,
    private readonly scratch: string,
    private readonly paymentsServer: PaymentsServer,
    private readonly postgres: { url: string; drop: () => Promise<void> } | null,
  ) {}

  static async create(): Promise<IsolatedShop> {
    const scratch = mkdtempSync(path.join(tmpdir(), "checkout-isolated-"));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const payments = await startPaymentsServer({ port: 0, testApi: true, webhookUrl: `${url}/api/webhooks/stripe`, webhookSecret: WEBHOOK_SECRET });
    const postgres = process.env.TEST_DATABASE === "postgres" ? await createPostgresDatabase() : null;
    return new IsolatedShop(url, port, scratch, payments, postgres);
  }

  get paymentsUrl(): string {
    return this.paymentsServer.url;
  }

  get logFile(): string {
    return path.join(this.scratch, "shop.log");
  }

  /** Starts the shop (again, after a crash: same port, same database) and waits until it answers. */
  async start(): Promise<void> {
    const log = openSync(this.logFile, "a");
    // A shop as deployed: the unsafe teaching checkout and the lab stay off, the metrics closed.
    const { DEMO_UNSAFE_CHECKOUT: _unsafe, DEMO_MODE: _demo, METRICS_TOKEN: _metrics, ...inherited } = process.env;
    const app = spawn(process.execPath, ["--import", "tsx", "scripts/stack.ts", "start"], {
      cwd: ROOT,
      detached: true, // its own process group: next-server is a grandchild, and must die with it
      stdio: ["ignore", log, log],
      env: {
        ...inherited,
        NEXT_TELEMETRY_DISABLED: "1",
        PORT: String(this.port),
        HOST: "127.0.0.1",
        DATABASE_URL: this.postgres?.url ?? "",
        PGLITE_DATA_DIR: path.join(this.scratch, "pglite"),
        PGLITE_PORT: "0",
        STRIPE_API_URL: this.paymentsServer.url,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_TIMEOUT_MS: "5000",
        STRIPE_MAX_NETWORK_RETRIES: "1",
        ENABLE_TEST_ENDPOINTS: "1",
        CHECKOUT_LOCK_TIMEOUT_MS: "2000",
        CHECKOUT_WAIT_MS: "10000",
        LOG_LEVEL: "warn",
      },
    });
    closeSync(log);
    this.app = app;
    running.add(app.pid!);
    await this.waitUntilHealthy(app);
  }

  private async waitUntilHealthy(app: ChildProcess): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (app.exitCode !== null || app.signalCode !== null) throw new Error(`The isolated shop exited during startup:\n${this.logTail()}`);
      try {
        if ((await fetch(`${this.url}/api/health`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(250);
    }
    throw new Error(`The isolated shop did not answer within 90 s:\n${this.logTail()}`);
  }

  logTail(lines = 40): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n") : "(no log)";
  }

  /** The power cord: SIGKILL to the whole process group, database owner and next-server included. */
  async crash(): Promise<void> {
    const app = this.app;
    if (!app?.pid) throw new Error("The isolated shop is not running");
    signalGroup(app.pid, "SIGKILL");
    while (groupAlive(app.pid)) await sleep(50);
    running.delete(app.pid);
    this.app = null;
  }

  /** Stops everything this shop started and removes its files, whatever state the test left it in. */
  async dispose(): Promise<void> {
    const pid = this.app?.pid;
    if (pid) {
      signalGroup(pid, "SIGTERM");
      const deadline = Date.now() + 5000;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
      signalGroup(pid, "SIGKILL");
      while (groupAlive(pid)) await sleep(50);
      running.delete(pid);
    }
    await this.paymentsServer.close();
    await this.postgres?.drop().catch(() => {});
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
