import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readEnv } from "../../lib/env.ts";
import { freePort } from "../../scripts/free-port.ts";
import { ClusterSetupError, ensureReachable, requireDatabaseUrl } from "../preflight.ts";
import { worstRequestMs } from "../settings.ts";

describe("cluster preflight", () => {
  it("refuses to start without DATABASE_URL, and says how to set it", () => {
    expect(() => requireDatabaseUrl({})).toThrow(ClusterSetupError);
    expect(() => requireDatabaseUrl({})).toThrow(/DATABASE_URL=postgresql:\/\/.* npm run cluster/);
    expect(() => requireDatabaseUrl({ DATABASE_URL: "mysql://x@y/z" })).toThrow(/postgresql:\/\//);
  });

  it("names an unreachable PostgreSQL clearly", async () => {
    const nobody = await freePort();
    await expect(ensureReachable(`postgresql://postgres@127.0.0.1:${nobody}/checkout`)).rejects.toThrow(/PostgreSQL at postgresql:\/\/127\.0\.0\.1:\d+\/checkout is unreachable/);
  });

  it("derives the proxy's read timeout from the instances' configuration", () => {
    const config = readEnv({ STRIPE_TIMEOUT_MS: "2000", STRIPE_MAX_NETWORK_RETRIES: "1", CHECKOUT_LOCK_TIMEOUT_MS: "3000", CHECKOUT_WAIT_MS: "6000" });
    expect(worstRequestMs(config)).toBe(2000 * 2 + 6000 + 10_000);
  });
});

describe("npm run cluster", () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ["--import", "tsx", "cluster/main.ts"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "test", ...env }, timeout: 60_000 });

  it("exits with one clear line when DATABASE_URL is unset", () => {
    const result = run({});
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: The cluster needs DATABASE_URL/);
  });

  it("prints the install command when nginx is missing", () => {
    const result = run({ DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/checkout", NGINX_BIN: "/nonexistent/nginx" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("apt-get install -y nginx");
  });
});
