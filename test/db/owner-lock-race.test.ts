import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireOwnerLock, OwnerLockError, readLiveOwnerUrl, type LockOptions } from "../../scripts/db/owner-lock.ts";

const ROUNDS = 1000;
const WORKER = path.resolve("test/setup/owner-lock-worker.ts");

type Reply = { type: string; won?: boolean; error?: string; pid?: number };

/** A contender process, and a way to wait for its next message of one type. */
function startWorker(): { child: ChildProcess; next: (type: string) => Promise<Reply> } {
  const child = fork(WORKER, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const queue: Reply[] = [];
  const waiting: Array<(reply: Reply) => void> = [];
  child.on("message", (reply: Reply) => {
    const resolve = waiting.shift();
    if (resolve) resolve(reply);
    else queue.push(reply);
  });
  const next = async (type: string) => {
    const reply = queue.shift() ?? (await new Promise<Reply>((resolve) => waiting.push(resolve)));
    if (reply.type !== type) throw new Error(`expected ${type} from the worker, got ${JSON.stringify(reply)}`);
    return reply;
  };
  return { child, next };
}

const folder = mkdtempSync(path.join(tmpdir(), "owner-lock-race-"));
const lockDir = path.join(folder, "locks");
const lockPath = path.join(lockDir, "pglite.owner.lock");
let contenders: ReturnType<typeof startWorker>[] = [];

beforeAll(async () => {
  contenders = [startWorker(), startWorker()];
  await Promise.all(contenders.map((worker) => worker.next("ready")));
});
afterAll(() => {
  for (const { child } of contenders) child.kill("SIGKILL");
  rmSync(folder, { recursive: true, force: true });
});

/** Whatever a state of the lock's folder is made of (files and their bytes), to restore it each round. */
type Snapshot = Array<{ name: string; bytes: Buffer }>;
const snapshot = (): Snapshot => readdirSync(lockDir).map((name) => ({ name, bytes: readFileSync(path.join(lockDir, name)) }));
function restore(state: Snapshot) {
  rmSync(lockDir, { recursive: true, force: true });
  mkdirSync(lockDir, { recursive: true });
  for (const { name, bytes } of state) writeFileSync(path.join(lockDir, name), bytes);
}

const OWNER_URL = "postgresql://postgres:postgres@127.0.0.1:1/postgres";

/** Another process holding the lock, until `kill` (SIGKILL, as a crash). */
async function otherOwner(options: LockOptions = {}) {
  const owner = startWorker();
  await owner.next("ready");
  owner.child.send({ type: "acquire-and-hang", lockPath, url: OWNER_URL, ...options });
  const { pid } = await owner.next("holding");
  const kill = async () => {
    const exited = new Promise((resolve) => owner.child.once("exit", resolve));
    owner.child.kill("SIGKILL");
    await exited;
  };
  return { pid, kill };
}

/** What an owner killed with SIGKILL leaves behind, from a real owner really killed. */
async function deadOwnerLeftovers(): Promise<Snapshot> {
  restore([]);
  await (await otherOwner()).kill();
  return snapshot();
}

/** Races the two contenders ROUNDS times from the given state; counts the rounds both of them held the lock. */
async function race(state: Snapshot): Promise<{ bothOwned: number; noOwner: number; ms: number }> {
  let bothOwned = 0;
  let noOwner = 0;
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round += 1) {
    restore(state);
    const at = performance.timeOrigin + performance.now() + 3;
    for (const { child } of contenders) child.send({ type: "race", lockPath, at });
    const results = await Promise.all(contenders.map((worker) => worker.next("result")));
    const winners = results.filter((result) => result.won).length;
    if (winners === 2) bothOwned += 1;
    if (winners === 0) noOwner += 1;
    for (const { child } of contenders) child.send({ type: "release" });
    await Promise.all(contenders.map((worker) => worker.next("released")));
  }
  return { bothOwned, noOwner, ms: Math.round(performance.now() - started) };
}

// Nothing here touches the test database: the PostgreSQL pass would only run it a second time.
describe.skipIf(process.env.TEST_DATABASE === "postgres")("one owner of the embedded database, when two processes start at the same moment", () => {
  it(`never gives the lock to both, with no lock there (${ROUNDS} rounds)`, async () => {
    const result = await race([]);
    console.log(`owner lock, no lock: ${JSON.stringify(result)}`);
    expect(result).toMatchObject({ bothOwned: 0, noOwner: 0 });
  });

  it(`never gives the lock to both, over a lock left by an owner killed with SIGKILL, and one of them takes it over at once (${ROUNDS} rounds)`, async () => {
    const result = await race(await deadOwnerLeftovers());
    console.log(`owner lock, dead owner: ${JSON.stringify(result)}`);
    expect(result).toMatchObject({ bothOwned: 0, noOwner: 0 });
  });

  for (const platform of ["linux", "darwin"] as const) {
    it(`${platform === "linux" ? "on Linux (an abstract Unix socket)" : "elsewhere (a loopback TCP port)"}: refuses a second owner, tells tools the owner's address, and lets the next one in the moment the owner is killed`, async () => {
      restore([]);
      const owner = await otherOwner({ platform });
      const refused = await acquireOwnerLock(lockPath, { platform }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OwnerLockError);
      expect((refused as Error).message).toContain(`already owned by process ${owner.pid}`);
      expect(await readLiveOwnerUrl(lockPath, { platform })).toBe(OWNER_URL);

      await owner.kill();
      expect(await readLiveOwnerUrl(lockPath, { platform })).toBeNull();
      const next = await acquireOwnerLock(lockPath, { platform });
      await next.release();
    });
  }
});
