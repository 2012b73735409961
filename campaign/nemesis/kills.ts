import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Instance } from "../../cluster/instance.ts";
import type { ClientLog } from "../client-log.ts";
import type { NemesisEvent } from "../plan.ts";

const PauseState = z.object({ points: z.array(z.string()), waiting: z.array(z.object({ point: z.string(), scope: z.string() })) });

/** The pause points an instance knows (GET /api/test/pause). */
export async function pausePoints(instance: Instance): Promise<string[]> {
  const answer = await fetch(`${instance.url}/api/test/pause`);
  if (!answer.ok) throw new Error(`GET /api/test/pause answered ${answer.status}: the instances need ENABLE_TEST_ENDPOINTS=1`);
  return PauseState.parse(await answer.json()).points;
}

export type KillCounts = { random: number; byPoint: Record<string, number>; missed: Record<string, number>; restarts: number; restartMs: number[] };

/**
 * The nemesis: SIGKILLs instances, at random moments and while a request is held at a named pause
 * point, then restarts them. One at a time, so the cluster keeps serving; each event waits until
 * the plan's number of checkouts has started, so the kills spread over the run.
 */
export async function runKills(options: {
  events: NemesisEvent[];
  instances: Instance[];
  log: ClientLog;
  started: () => number;
  stopped: () => boolean;
  /** How long an armed point may wait for a request before it counts as missed. */
  pauseWaitMs?: number;
}): Promise<KillCounts> {
  const counts: KillCounts = { random: 0, byPoint: {}, missed: {}, restarts: 0, restartMs: [] };
  // A point no request reached in time (a refund or a completer takeover is rarer than a payment)
  // is tried again after the planned events, at most twice, while traffic lasts.
  const queue: (NemesisEvent & { tries?: number })[] = [...options.events];
  for (let next = 0; next < queue.length; next++) {
    const event = queue[next]!;
    while (options.started() < event.afterCheckouts && !options.stopped()) await sleep(100);
    if (options.stopped()) break;
    const instance = options.instances[event.instance - 1]!;
    if (!instance.running) continue;
    if (event.kind === "kill") {
      await instance.kill();
      options.log.kill({ instance: instance.index, point: null });
      counts.random++;
    } else {
      const held = await holdAt(instance, event.point, options.pauseWaitMs ?? 20_000, options.stopped);
      if (!held) {
        counts.missed[event.point] = (counts.missed[event.point] ?? 0) + 1;
        options.log.fault({ kind: "pause_missed", instance: instance.index, detail: { point: event.point } });
        if ((event.tries ?? 0) < 2) queue.push({ ...event, tries: (event.tries ?? 0) + 1 });
        continue;
      }
      await instance.kill();
      options.log.kill({ instance: instance.index, point: event.point, scope: held.scope });
      counts.byPoint[event.point] = (counts.byPoint[event.point] ?? 0) + 1;
    }
    await sleep(event.restartAfterMs);
    const started = performance.now();
    await instance.start();
    counts.restarts++;
    counts.restartMs.push(Math.round(performance.now() - started));
    options.log.phase("restarted", { instance: instance.index });
  }
  return counts;
}

/** Arms the point on this instance and waits until a request is held there; disarms it if none comes. */
async function holdAt(instance: Instance, point: string, waitMs: number, stopped: () => boolean): Promise<{ scope: string } | null> {
  const arm = await fetch(`${instance.url}/api/test/pause`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ point, ms: 60_000 }) });
  if (!arm.ok) throw new Error(`arming ${point} on instance ${instance.index}: ${arm.status} ${await arm.text()}`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && !stopped()) {
    const state = await fetch(`${instance.url}/api/test/pause`).then(async (answer) => PauseState.parse(await answer.json()), () => null);
    const held = state?.waiting.find((waiting) => waiting.point === point);
    if (held) return held;
    await sleep(50);
  }
  await fetch(`${instance.url}/api/test/pause`, { method: "DELETE" }).catch(() => {});
  return null;
}
