import { AsyncLocalStorage } from "node:async_hooks";
import type { Scheduler } from "fast-check";

/**
 * The property tests' control of interleavings. Every request, webhook delivery, completer run or
 * refund of a property run is an *actor*. The app's pause points (lib/test-hooks.ts: after each
 * step that commits, and before a webhook's transaction) become *gates*: an actor that reaches
 * one parks there until fast-check's scheduler releases it, and the scheduler decides which of
 * the parked actors moves next, or whether the next command starts first. A released actor runs
 * until its next gate (or its end) before anything else moves, so one run is one interleaving of
 * committed steps, and the same seed replays it. Commands that start several actors at once
 * (a double-click, two tabs, a duplicated webhook) let them race for real up to their first gate:
 * on PostgreSQL that race is the database's to decide.
 *
 * An actor marked to crash throws at its next gate instead of going on, as a process killed at
 * that pause point would: its lock and recovery point stay behind for a retry or the completer.
 */
export class ActorCrashed extends Error {
  constructor(readonly actor: string, readonly point: string) {
    super(`${actor} crashed at ${point}`);
  }
}

export type Actor = { id: number; label: string; run: Run; state: "running" | "parked" | "done"; at: string | null; crash: boolean };

const storage = new AsyncLocalStorage<Actor>();

export class Run {
  private running = 0;
  private idle: (() => void)[] = [];
  private nextId = 1;
  readonly actors: Actor[] = [];
  /** Off once the faults stop: the settle phase runs everything to its end without gates. */
  gated = true;

  constructor(readonly scheduler: Scheduler) {}

  /** Starts `work` as an actor; resolves once it is parked at a gate or finished (never on its result). */
  async spawn<T>(label: string, work: () => Promise<T>, onDone: (outcome: { value: T } | { error: unknown }) => void): Promise<void> {
    const actor: Actor = { id: this.nextId++, label, run: this, state: "running", at: null, crash: false };
    this.actors.push(actor);
    this.running++;
    void storage.run(actor, async () => {
      try {
        onDone({ value: await work() });
      } catch (error) {
        onDone({ error });
      } finally {
        actor.state = "done";
        this.stopped();
      }
    });
  }

  /** Actors parked at a gate right now, oldest first. */
  parked(): Actor[] {
    return this.actors.filter((actor) => actor.state === "parked");
  }

  /** Resolves when no actor is running: each is parked at a gate or done. */
  async quiet(): Promise<void> {
    while (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private stopped(): void {
    this.running--;
    if (this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  async gate(actor: Actor, point: string): Promise<void> {
    actor.state = "parked";
    actor.at = point;
    this.stopped();
    // The release counts the actor as running again before it moves, so that `quiet` (called by
    // the scheduler's act after each release) waits for it to reach its next gate.
    await this.scheduler.schedule(Promise.resolve(), `${actor.label} @${point}`, undefined, async (release) => {
      actor.state = "running";
      this.running++;
      await release();
    });
    if (actor.crash) throw new ActorCrashed(actor.label, point);
  }
}

let current: Run | null = null;

export function startRun(scheduler: Scheduler): Run {
  current = new Run(scheduler);
  return current;
}

export function endRun(): void {
  current = null;
}

/** What the mocked pausePoint does: a gate for an actor of the current run, nothing otherwise. */
export async function gateAt(point: string): Promise<void> {
  const actor = storage.getStore();
  if (!actor || actor.run !== current || !current.gated) return;
  await current.gate(actor, point);
}

/** The scheduler's act: after each release, wait until the released actor is parked again or done. */
export async function quietAct(release: () => Promise<void>): Promise<void> {
  await release();
  await current?.quiet();
}
