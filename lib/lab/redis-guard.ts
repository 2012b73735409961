import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@redis/client";
import { naiveCheckout } from "@/lib/checkout/naive.ts";
import type { CheckoutRequest } from "@/lib/checkout/request.ts";
import type { CheckoutResult } from "@/lib/checkout/responses.ts";

const newClient = (url: string) => createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
export type Redis = ReturnType<typeof newClient>;
export type GuardAnswer = { outcome: "processed" | "replayed" | "locked" | "crashed"; orderId: string | null };

/**
 * TEACHING ONLY — the seeds' Redis recipe, as it is usually written:
 *
 *   GET result:key          → found: replay it
 *   SET lock:key NX PX ttl  → not set: someone else is processing (409)
 *   process                 → here the naive checkout: an order and a charge, no other guard
 *   SET result:key … EX 24h, DEL lock:key
 *
 * Redis is the only memory of the key. Whatever makes Redis forget (a lock TTL shorter than the
 * slowest processing, a flush or a restart without persistence, a crash between the charge and
 * the SET) lets a duplicate through, and the duplicate charges again. The shop's own claim is a
 * row in the database that holds the order, written in the order's transaction.
 */
export async function redisGuardedCheckout(
  redis: Redis,
  namespace: string,
  key: string,
  request: Omit<CheckoutRequest, "key">,
  options: { lockTtlMs: number; crashAfterCharge?: boolean },
): Promise<GuardAnswer> {
  const resultKey = `${namespace}result:${key}`;
  const lockKey = `${namespace}lock:${key}`;
  const stored = await redis.get(resultKey);
  if (stored) return { outcome: "replayed", orderId: (JSON.parse(stored) as { orderId: string | null }).orderId };
  const locked = await redis.set(lockKey, "1", { condition: "NX", expiration: { type: "PX", value: options.lockTtlMs } });
  if (locked !== "OK") return { outcome: "locked", orderId: null };
  const result: CheckoutResult = await naiveCheckout(request);
  const orderId = result.body.order?.id ?? null;
  // The process "dies" here: charged, nothing stored, the lock left to expire.
  if (options.crashAfterCharge) return { outcome: "crashed", orderId };
  await redis.set(resultKey, JSON.stringify({ status: result.status, orderId }), { expiration: { type: "EX", value: 24 * 60 * 60 } });
  await redis.del(lockKey);
  return { outcome: "processed", orderId };
}

export async function connectRedis(url: string): Promise<Redis> {
  const client = newClient(url);
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

/**
 * A redis-server of the lab's own on a free port, without persistence, that it can restart:
 * the shared Redis is never flushed or restarted.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(binary = process.env.REDIS_SERVER_BIN ?? "redis-server"): Promise<PrivateRedis> {
    const port = await freePort();
    const redis = new PrivateRedis(port);
    await redis.launch(binary);
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Kills it (SIGKILL) and starts it again on the same port: everything it held is gone. */
  async restart(binary = process.env.REDIS_SERVER_BIN ?? "redis-server"): Promise<void> {
    await this.stop();
    await this.launch(binary);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  private async launch(binary: string): Promise<void> {
    const child = spawn(binary, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const failed = new Promise<never>((_, reject) => child.once("error", (error) => reject(new Error(`cannot start ${binary}: ${error.message}`))));
    failed.catch(() => undefined);
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (await Promise.race([listening(this.port), failed])) return;
      await sleep(50);
    }
    throw new Error(`${binary} did not start on port ${this.port}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
