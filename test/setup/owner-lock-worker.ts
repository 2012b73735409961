import { acquireOwnerLock } from "../../scripts/db/owner-lock.ts";

/**
 * One contender of test/db/owner-lock-race.test.ts: a long-lived process that, each round, waits
 * for the instant the parent names (a spin barrier, so both contenders start within microseconds
 * of each other), tries to take the lock, says whether it won, and holds what it won until the
 * parent says release, so two owners at once are seen as such.
 */
type Message =
  | { type: "race"; lockPath: string; at: number }
  | { type: "release" }
  | { type: "acquire-and-hang"; lockPath: string; url: string; platform?: NodeJS.Platform };

const send = (message: object) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();
let held: { release: () => unknown } | null = null;

process.on("message", async (message: Message) => {
  if (message.type === "race") {
    while (now() < message.at) {
      // spin: a timer would wake each contender at a different millisecond
    }
    try {
      held = await acquireOwnerLock(message.lockPath);
      send({ type: "result", won: true });
    } catch (error) {
      send({ type: "result", won: false, error: (error as Error).name });
    }
  } else if (message.type === "release") {
    await held?.release();
    held = null;
    send({ type: "released" });
  } else {
    // The owner that the dead-owner case kills with SIGKILL, as a crash would.
    const lock = await acquireOwnerLock(message.lockPath, { platform: message.platform });
    lock.publish(message.url);
    held = lock;
    send({ type: "holding", pid: process.pid });
  }
});
send({ type: "ready" });
