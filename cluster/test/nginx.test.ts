import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { freePort } from "../../scripts/free-port.ts";
import { findNginx, NGINX_MISSING, renderNginxConfig, startNginx, type Nginx } from "../nginx.ts";

/**
 * The generated nginx configuration, checked by nginx itself and then driven for real: two fake
 * instances that record what reached them stand in for next-server, so each property the cluster
 * relies on (a POST once sent is never sent again on the shop's address; the misconfigured proxy
 * does send it again; Host passes through; a refused connection goes to the other instance; /lab
 * and /admin stick to one instance) is observed, not assumed.
 */
const nginxBinary = findNginx() ?? "";
if (!nginxBinary) throw new Error(NGINX_MISSING);

type Behaviour = "answer" | "drop" | "slow";
type FakeInstance = { server: Server; port: number; seen: { method: string; url: string; host: string }[]; behaviour: Behaviour };

async function fakeInstance(name: string): Promise<FakeInstance> {
  const instance: FakeInstance = { server: createServer(), port: 0, seen: [], behaviour: "answer" };
  instance.server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on("end", () => {
      instance.seen.push({ method: request.method ?? "", url: request.url ?? "", host: request.headers.host ?? "" });
      if (instance.behaviour === "drop") return request.socket.destroy();
      const answer = () => response.writeHead(200, { "content-type": "text/plain" }).end(name);
      if (instance.behaviour === "slow") setTimeout(answer, 2_500);
      else answer();
    });
  });
  await new Promise<void>((resolve) => instance.server.listen(0, "127.0.0.1", resolve));
  instance.port = (instance.server.address() as AddressInfo).port;
  return instance;
}

type Site = { nginx: Nginx; a: FakeInstance; b: FakeInstance; port: number; retryPort: number; prefix: string };

/** A fresh nginx in front of two fake instances: nginx remembers failed instances for 10 s, so no test may inherit another's. */
async function site(options: { firstDown?: boolean } = {}): Promise<Site> {
  const prefix = mkdtempSync(path.join(tmpdir(), "cluster-nginx-test-"));
  const [a, b] = [await fakeInstance("a"), await fakeInstance("b")];
  const [port, retryPort, downPort] = [await freePort(), await freePort(), await freePort()];
  const upstreams = options.firstDown ? [downPort, b.port] : [a.port, b.port];
  const nginx = await startNginx(nginxBinary, {
    port,
    retryPort,
    upstreams,
    readTimeoutMs: 30_000,
    retryReadTimeoutMs: 1_000,
    user: process.getuid?.() === 0 ? "root" : undefined,
  }, path.join(prefix, "nginx"), path.join(prefix, "nginx.log"));
  sites.push({ nginx, a, b, port, retryPort, prefix });
  return sites.at(-1)!;
}
const sites: Site[] = [];

afterEach(async () => {
  for (const { nginx, a, b, prefix } of sites.splice(0)) {
    await nginx.stop();
    a.server.close();
    b.server.close();
    rmSync(prefix, { recursive: true, force: true });
  }
});

const post = (port: number, pathname = "/api/checkout") => fetch(`http://127.0.0.1:${port}${pathname}`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
const reached = ({ a, b }: Site) => a.seen.length + b.seen.length;

describe("the cluster's nginx", () => {
  it("is a configuration nginx accepts", async () => {
    const { nginx, prefix } = await site();
    const result = spawnSync(nginxBinary, ["-p", path.join(prefix, "nginx"), "-c", nginx.configFile, "-e", "stderr", "-t"], { encoding: "utf8" });
    expect(result.stderr).toContain("test is successful");
  });

  it("never sends a POST again on the shop's address once an instance received it", async () => {
    const shop = await site();
    shop.a.behaviour = shop.b.behaviour = "drop";
    const answer = await post(shop.port);
    expect(answer.status).toBe(502);
    expect(reached(shop)).toBe(1);
  });

  it("the misconfigured proxy sends the same POST to the next instance after an error", async () => {
    const shop = await site();
    shop.a.behaviour = shop.b.behaviour = "drop";
    const answer = await post(shop.retryPort);
    expect(answer.status).toBe(502);
    expect(reached(shop)).toBe(2);
    expect(answer.headers.get("x-cluster-upstream")).toMatch(/^127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+$/);
    // nginx writes the access log in its log phase, after the client already has the answer.
    await vi.waitFor(() => expect(readFileSync(shop.nginx.accessLog, "utf8")).toMatch(/upstream=127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/), { timeout: 5_000, interval: 25 });
  });

  it("the misconfigured proxy sends it again when the first instance is only slow", async () => {
    const shop = await site();
    shop.a.behaviour = shop.b.behaviour = "slow";
    const answer = await post(shop.retryPort);
    expect(answer.status).toBe(504);
    expect(reached(shop)).toBe(2);
  });

  it("the misconfigured proxy's timeouts never take an instance off the shop's address", async () => {
    const shop = await site();
    shop.a.behaviour = shop.b.behaviour = "slow";
    expect((await post(shop.retryPort)).status).toBe(504);
    shop.a.behaviour = shop.b.behaviour = "answer";
    const answers = await Promise.all([post(shop.port), post(shop.port)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
  });

  it("the shop's address waits for a slow instance instead", async () => {
    const shop = await site();
    shop.a.behaviour = shop.b.behaviour = "slow";
    const answer = await post(shop.port);
    expect(answer.status).toBe(200);
    expect(reached(shop)).toBe(1);
  });

  it("passes the shopper's Host on unchanged (server actions compare it with Origin)", async () => {
    const shop = await site();
    // fetch may not set Host; node:http may, as a browser reaching the shop by name would.
    await new Promise((resolve, reject) => request({ port: shop.port, host: "127.0.0.1", path: "/products", headers: { host: `shop.example:${shop.port}` } }, (answer) => answer.resume().on("end", resolve)).on("error", reject).end());
    expect([...shop.a.seen, ...shop.b.seen].map((seen) => seen.host)).toEqual([`shop.example:${shop.port}`]);
  });

  it("sends a POST that no instance received (connection refused) to another instance", async () => {
    const shop = await site({ firstDown: true });
    const answers = await Promise.all([post(shop.port), post(shop.port), post(shop.port)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(shop.b.seen).toHaveLength(3);
  });

  it("keeps /lab and /admin on one instance per client, and spreads the shop", async () => {
    const shop = await site();
    for (let i = 0; i < 6; i++) await fetch(`http://127.0.0.1:${shop.port}/admin`);
    for (let i = 0; i < 6; i++) await fetch(`http://127.0.0.1:${shop.port}/api/lab/runs`);
    expect([shop.a.seen.length, shop.b.seen.length].sort((x, y) => x - y)).toEqual([0, 12]);
    shop.a.seen.length = shop.b.seen.length = 0;
    for (let i = 0; i < 6; i++) await fetch(`http://127.0.0.1:${shop.port}/products`);
    expect([shop.a.seen.length, shop.b.seen.length]).toEqual([3, 3]);
  });
});

describe("renderNginxConfig", () => {
  const config = renderNginxConfig({ port: 8080, retryPort: 8081, upstreams: [4001, 4002, 4003], readTimeoutMs: 45_500, retryReadTimeoutMs: 750 }, "/tmp/x");

  it("retries sent POSTs only on the misconfigured listener", () => {
    const [shop, retrying] = config.split("listen 127.0.0.1:8081");
    expect(shop).not.toContain("non_idempotent");
    expect(retrying).toContain("proxy_next_upstream error timeout non_idempotent");
  });

  it("waits longer than the worst request, rounded up to whole seconds", () => {
    expect(config).toContain("proxy_read_timeout 46s");
    expect(config).toContain("proxy_read_timeout 1s");
  });

  it("lists every instance in each upstream block, the retrying proxy's apart from the shop's", () => {
    expect(config.match(/server 127\.0\.0\.1:400[123];/g)).toHaveLength(9);
    expect(config.split("listen 127.0.0.1:8081")[1]).toContain("proxy_pass http://shop_retrying;");
  });
});
