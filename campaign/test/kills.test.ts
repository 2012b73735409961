import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Instance } from "../../cluster/instance.ts";
import { ClientLog } from "../client-log.ts";
import { runKills } from "../nemesis/kills.ts";
import type { NemesisEvent } from "../plan.ts";

/** An instance that takes `restartMs` to come back, and records how many were down at once. */
function fakeCluster(size: number, restartMs: number) {
  let down = 0;
  let mostDown = 0;
  const instances = Array.from({ length: size }, (_, i) => {
    const fake = {
      index: i + 1,
      url: "http://127.0.0.1:9",
      running: true,
      kill: async () => {
        expect(fake.running).toBe(true);
        fake.running = false;
        down++;
        mostDown = Math.max(mostDown, down);
      },
      start: async () => {
        await sleep(restartMs);
        fake.running = true;
        down--;
      },
    };
    return fake;
  });
  return { instances: instances as unknown as Instance[], mostDown: () => mostDown, allUp: () => instances.every((instance) => instance.running) };
}

const randomKills = (count: number, instances: number): NemesisEvent[] => Array.from({ length: count }, (_, n) => ({ kind: "kill", instance: (n % instances) + 1, afterCheckouts: 0, restartAfterMs: 0 }));

describe("the nemesis's kill lanes", () => {
  it("kills on different instances overlap, and one instance always serves", async () => {
    const cluster = fakeCluster(3, 200);
    const log = new ClientLog(path.join(mkdtempSync(path.join(tmpdir(), "kills-")), "log.jsonl"));
    const counts = await runKills({ events: randomKills(12, 3), instances: cluster.instances, log, started: () => 1, stopped: () => false });
    await log.close();
    expect(counts.random).toBe(12);
    expect(counts.restarts).toBe(12);
    expect(cluster.allUp()).toBe(true);
    // Two down at once (not one after another), never all three.
    expect(cluster.mostDown()).toBe(2);
    expect(counts.maxDown).toBe(2);
  });

  it("with one instance left to serve, kills take turns", async () => {
    const cluster = fakeCluster(2, 50);
    const log = new ClientLog(path.join(mkdtempSync(path.join(tmpdir(), "kills-")), "log.jsonl"));
    const counts = await runKills({ events: randomKills(8, 2), instances: cluster.instances, log, started: () => 1, stopped: () => false });
    await log.close();
    expect(counts.random).toBe(8);
    expect(cluster.mostDown()).toBe(1);
  });

  it("waits for its turn: an event fires only once its number of checkouts has started, and none after the traffic stopped", async () => {
    const cluster = fakeCluster(3, 10);
    const log = new ClientLog(path.join(mkdtempSync(path.join(tmpdir(), "kills-")), "log.jsonl"));
    let started = 0;
    let stopped = false;
    const events: NemesisEvent[] = [
      { kind: "kill", instance: 1, afterCheckouts: 5, restartAfterMs: 0 },
      { kind: "kill", instance: 2, afterCheckouts: 1000, restartAfterMs: 0 },
    ];
    const nemesis = runKills({ events, instances: cluster.instances, log, started: () => started, stopped: () => stopped });
    await sleep(300);
    expect(cluster.mostDown()).toBe(0);
    started = 5;
    await sleep(400);
    stopped = true;
    const counts = await nemesis;
    await log.close();
    expect(counts.random).toBe(1);
  });
});
