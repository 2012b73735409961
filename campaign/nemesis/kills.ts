import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Instance } from "../../cluster/instance.ts";
import type { MailerProcess } from "../../cluster/mailer.ts";
import type { ClientLog } from "../client-log.ts";
import { MAILER_POINT, type NemesisEvent } from "../plan.ts";

const PauseState = z.object({ points: z.array(z.string()), waiting: z.array(z.object({ point: z.string(), scope: z.string() })) });

/** The pause points an instance knows (GET /api/test/pause). */
export async function pausePoints(instance: Instance): Promise<string[]> {
  const answer = await fetch(`${instance.url}/api/test/pause`);
  if (!answer.ok) throw new Error(`GET /api/test/pause answered ${answer.status}: the instances need ENABLE_TEST_ENDPOINTS=1`);
  return PauseState.parse(await answer.json()).points;
}

export type KillCounts = {
  random: number;
  byPoint: Record<string, number>;
  missed: Record<string, number>;
  restarts: number;
  /** From the restart's spawn to the instance answering /api/health. */
  restartMs: number[];
  /** The most instances down at the same moment. */
  maxDown: number;
  mailer: { random: number; afterCommit: number; missed: number; restarts: number; restartMs: number[] };
};

type Lane = { events: (NemesisEvent & { tries?: number })[] };
type Shared = {
  log: ClientLog;
  counts: KillCounts;
  slots: DownSlots;
  started: () => number;
  stopped: () => boolean;
  pauseWaitMs: number;
};

/** An armed point no request reached in time is tried again at the end of its lane, this many times. */
const RETRIES = 2;

/**
 * The nemesis: SIGKILLs instances, at random moments and while a request is held at a named pause
 * point, then restarts them; and, with a broker, the mailer process. One lane per instance (its
 * own events, in plan order) and one for the mailer, all at once, so kills on different instances
 * overlap; an instance is killed only while another one serves (at most N - 1 of N down at a
 * time). Each event waits until the plan's number of checkouts has started, so the kills spread
 * over the run.
 */
export async function runKills(options: {
  events: NemesisEvent[];
  instances: Instance[];
  mailer?: MailerProcess | null;
  log: ClientLog;
  started: () => number;
  stopped: () => boolean;
  /** How long an armed point may wait for a request before it counts as missed. */
  pauseWaitMs?: number;
}): Promise<KillCounts> {
  const counts: KillCounts = { random: 0, byPoint: {}, missed: {}, restarts: 0, restartMs: [], maxDown: 0, mailer: { random: 0, afterCommit: 0, missed: 0, restarts: 0, restartMs: [] } };
  const shared: Shared = { log: options.log, counts, slots: new DownSlots(Math.max(1, options.instances.length - 1)), started: options.started, stopped: options.stopped, pauseWaitMs: options.pauseWaitMs ?? 20_000 };
  const lanes = options.instances.map((instance) =>
    instanceLane(instance, { events: options.events.filter((event) => (event.kind === "kill" || event.kind === "pause_kill") && event.instance === instance.index) }, shared),
  );
  const mailer = options.mailer;
  if (mailer) lanes.push(mailerLane(mailer, { events: options.events.filter((event) => event.kind === "mailer_kill" || event.kind === "mailer_kill_after_commit") }, shared));
  await Promise.all(lanes);
  counts.maxDown = shared.slots.maxDown;
  return counts;
}

async function waitForTurn(event: NemesisEvent, shared: Shared): Promise<boolean> {
  while (shared.started() < event.afterCheckouts && !shared.stopped()) await sleep(100);
  return !shared.stopped();
}

async function instanceLane(instance: Instance, lane: Lane, shared: Shared): Promise<void> {
  const { counts, log } = shared;
  for (let next = 0; next < lane.events.length; next++) {
    const event = lane.events[next]!;
    if (event.kind !== "kill" && event.kind !== "pause_kill") continue;
    if (!(await waitForTurn(event, shared))) break;
    const point = event.kind === "pause_kill" ? event.point : null;
    let scope: string | undefined;
    if (point) {
      const held = await holdAt(instance, point, shared.pauseWaitMs, shared.stopped);
      let ready = false;
      if (held && (await shared.slots.acquire(shared.stopped))) {
        // Still held once this lane may take its instance down (another lane's restart can take a while)?
        ready = await isHeld(instance, point, held.scope);
        if (!ready) shared.slots.release();
      }
      if (!held || !ready) {
        if (shared.stopped()) break;
        counts.missed[point] = (counts.missed[point] ?? 0) + 1;
        log.fault({ kind: "pause_missed", instance: instance.index, detail: { point } });
        if ((event.tries ?? 0) < RETRIES) lane.events.push({ ...event, tries: (event.tries ?? 0) + 1 });
        continue;
      }
      scope = held.scope;
    } else if (!(await shared.slots.acquire(shared.stopped))) break;
    try {
      await instance.kill();
      log.kill({ instance: instance.index, point, ...(scope !== undefined && { scope }) });
      if (point) counts.byPoint[point] = (counts.byPoint[point] ?? 0) + 1;
      else counts.random++;
      await sleep(event.restartAfterMs);
      const restarting = performance.now();
      await instance.start();
      counts.restarts++;
      counts.restartMs.push(Math.round(performance.now() - restarting));
      log.phase("restarted", { instance: instance.index });
    } finally {
      shared.slots.release();
    }
  }
}

/**
 * The mailer's lane. A random kill is a SIGKILL. A kill at `mail_after_commit` restarts it (a clean
 * stop, as a deploy would) with its test fault armed: it SIGKILLs itself right after its consumer's
 * next commit, before the ack, and the broker redelivers what it had not acknowledged.
 */
async function mailerLane(mailer: MailerProcess, lane: Lane, shared: Shared): Promise<void> {
  const { counts, log } = shared;
  const restart = async () => {
    const restarting = performance.now();
    await mailer.start();
    counts.mailer.restarts++;
    counts.mailer.restartMs.push(Math.round(performance.now() - restarting));
    log.phase("mailer_restarted");
  };
  for (let next = 0; next < lane.events.length; next++) {
    const event = lane.events[next]!;
    if (!(await waitForTurn(event, shared))) break;
    if (event.kind === "mailer_kill") {
      await mailer.kill();
      log.kill({ target: "mailer", instance: 0, point: null });
      counts.mailer.random++;
    } else if (event.kind === "mailer_kill_after_commit") {
      await mailer.stop();
      await mailer.start({ fault: "die_after_commit" });
      if (!(await mailer.waitForExit(shared.pauseWaitMs))) {
        counts.mailer.missed++;
        log.fault({ kind: "pause_missed", detail: { point: MAILER_POINT, target: "mailer" } });
        if ((event.tries ?? 0) < RETRIES) lane.events.push({ ...event, tries: (event.tries ?? 0) + 1 });
        await mailer.stop();
        await restart();
        continue;
      }
      log.kill({ target: "mailer", instance: 0, point: MAILER_POINT });
      counts.mailer.afterCommit++;
    } else continue;
    await sleep(event.restartAfterMs);
    await restart();
  }
}

/**
 * At most `capacity` instances down at once, so that one always serves. Polled rather than
 * queued: a lane that stops waiting (traffic over) simply leaves.
 */
class DownSlots {
  private down = 0;
  maxDown = 0;

  constructor(private readonly capacity: number) {}

  async acquire(stopped: () => boolean): Promise<boolean> {
    while (this.down >= this.capacity) {
      if (stopped()) return false;
      await sleep(50);
    }
    this.down++;
    this.maxDown = Math.max(this.maxDown, this.down);
    return true;
  }

  release(): void {
    this.down--;
  }
}

async function pauseState(instance: Instance) {
  return fetch(`${instance.url}/api/test/pause`).then(async (answer) => PauseState.parse(await answer.json()), () => null);
}

async function isHeld(instance: Instance, point: string, scope: string): Promise<boolean> {
  return (await pauseState(instance))?.waiting.some((waiting) => waiting.point === point && waiting.scope === scope) ?? false;
}

/** Arms the point on this instance and waits until a request is held there; disarms it if none comes. */
async function holdAt(instance: Instance, point: string, waitMs: number, stopped: () => boolean): Promise<{ scope: string } | null> {
  const arm = await fetch(`${instance.url}/api/test/pause`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ point, ms: 60_000 }) });
  if (!arm.ok) throw new Error(`arming ${point} on instance ${instance.index}: ${arm.status} ${await arm.text()}`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && !stopped()) {
    const held = (await pauseState(instance))?.waiting.find((waiting) => waiting.point === point);
    if (held) return held;
    await sleep(50);
  }
  await fetch(`${instance.url}/api/test/pause`, { method: "DELETE" }).catch(() => {});
  return null;
}
