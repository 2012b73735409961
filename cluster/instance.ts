import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { signalGroupAndWait } from "../scripts/process-group.ts";

const NEXT_BIN = createRequire(import.meta.url).resolve("next/dist/bin/next");

/**
 * One app instance: `next start` of the production build on its own port, in a process group
 * of its own (next-server is a child of `next start`), so that a kill takes the whole instance
 * down at once, as a crashed machine would. Its background work (outbox, completer, purge) runs
 * inside it (instrumentation.ts), as on every instance.
 */
export class Instance {
  private child: ChildProcess | null = null;
  private starts = 0;

  constructor(
    readonly index: number,
    readonly port: number,
    private readonly environment: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How many times it was started (1 + restarts). */
  get startCount(): number {
    return this.starts;
  }

  /** Starts it (again, after a kill: same port, same database) and waits until it answers. */
  async start(timeoutMs = 180_000): Promise<void> {
    if (this.running) throw new Error(`instance ${this.index} is already running`);
    const log = openSync(this.logFile, "a");
    const child = spawn(process.execPath, [NEXT_BIN, "start", "--port", String(this.port), "--hostname", "127.0.0.1"], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...this.environment, PORT: String(this.port), CLUSTER_INSTANCE: String(this.index) },
    });
    closeSync(log);
    this.child = child;
    this.starts += 1;
    await this.waitUntilHealthy(child, timeoutMs);
  }

  private async waitUntilHealthy(child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`instance ${this.index} exited during start-up; see ${this.logFile}`);
      const healthy = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(5_000) }).then((answer) => answer.ok, () => false);
      if (healthy) return;
      // Refused until it listens: a short poll, since every restart of a killed instance waits here.
      await sleep(50);
    }
    throw new Error(`instance ${this.index} did not answer within ${timeoutMs / 1000} s; see ${this.logFile}`);
  }

  /** The power cord: SIGKILL to the whole instance; no request in flight gets to finish anything. */
  async kill(): Promise<void> {
    await this.signalAndWait("SIGKILL", 10_000);
  }

  /** A clean shutdown (SIGTERM), then SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    if (!(await this.signalAndWait("SIGTERM", 5_000))) await this.signalAndWait("SIGKILL", 10_000);
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
    const pid = this.child?.pid;
    if (!pid) return true;
    if (!(await signalGroupAndWait(pid, signal, timeoutMs))) return false;
    this.child = null;
    return true;
  }
}
