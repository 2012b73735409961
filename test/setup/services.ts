import net from "node:net";

export const AMQP_URL = process.env.TEST_AMQP_URL ?? process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Whether something listens at the URL's host and port (a TCP connect, nothing sent). */
export function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Tests that need a real broker or Redis run only when it is there. Without it they are skipped
 * with the reason printed, except on CI (CI=true), where a missing service fails the run: a CI
 * that silently skipped the broker tests would report guarantees it never checked.
 */
export async function serviceAvailable(name: string, url: string, start: string): Promise<boolean> {
  if (await reachable(url)) return true;
  const message = `${name} is not reachable at ${url.replace(/\/\/[^@]*@/, "//")}: ${start}`;
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: a missing ${name} fails the run)`);
  console.warn(`SKIPPED: ${message}`);
  return false;
}
