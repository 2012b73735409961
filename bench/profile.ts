import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { buildIfStale } from "../e2e/support/build.ts";
import { createTestDatabase, postgresReachable, type TestDatabase } from "../test/setup/database.ts";
import { runAlone } from "./alone.ts";
import { load, amountFor, type Shot } from "./load.ts";
import { databaseVersion, describeMachine } from "./machine.ts";
import { DEMO_API_KEY, startStack, type Stack } from "./stack.ts";

/**
 * `npm run bench:profile` (issue 15): where next-server's CPU goes, per request, for each route the
 * lean-path ratios compare. One production stack on PostgreSQL (or `--database pglite`) with
 * next-server run with --cpu-prof (scripts/stack.ts NEXT_SERVER_NODE_ARGS), so V8 samples next-server's whole life; the routes then run one after
 * another at `--connections` (8) for about `--seconds` (10) each, and each sample is assigned to the
 * route whose window it fell in: the profile's timestamps and this process's process.hrtime are
 * the same monotonic clock. Self time is grouped by where the code lives (a package, Node's core,
 * WebAssembly, V8's own work) and divided by the window's requests. As a check on the sampling,
 * each window's sampled CPU is set against next-server's CPU over the same window from /proc.
 * Writes bench/results/profile.md.
 */

const option = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
};
const SECONDS = Number(option("seconds", "10"));
const CONNECTIONS = Number(option("connections", "8"));
const DATABASE = option("database", "postgres") as "postgres" | "pglite";
const SAMPLING_US = 250;
const BODY = JSON.stringify({ items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" });
const AUTH = { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" };

type Route = "health" | "stripe" | "naive" | "fresh" | "replay";
const ROUTES: { route: Route; title: string }[] = [
  { route: "health", title: "GET /api/health" },
  { route: "stripe", title: "Stripe call only" },
  { route: "naive", title: "naive" },
  { route: "fresh", title: "fresh key" },
  { route: "replay", title: "replay" },
];
type Window = { route: Route; startUs: number; endUs: number; requests: number; throughput: number; procCpuMs: number };

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type CpuProfile = { nodes: { id: number; callFrame: CallFrame }[]; startTime: number; samples: number[]; timeDeltas: number[] };

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** next-server, the stack's grandchild whose process title starts so. */
function nextServerPid(): number {
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").startsWith("next-server")) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  throw new Error("no next-server process found");
}

function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function drive(stack: Stack, pid: number, tag: string): Promise<Window[]> {
  const finished: string[] = [];
  const shot = (route: Route, prefix: string) => (i: number): Shot => {
    switch (route) {
      case "health":
        return { method: "GET", path: "/api/health", headers: {}, tag: String(i) };
      case "stripe":
        return { path: "/api/checkout/stripe-only", headers: { "content-type": "application/json" }, body: BODY, tag: String(i) };
      case "naive":
        return { path: "/api/checkout/naive", headers: AUTH, body: BODY, tag: String(i) };
      case "fresh":
        return { path: "/api/checkout", headers: { ...AUTH, "idempotency-key": `${prefix}${i}` }, body: BODY, tag: `${prefix}${i}` };
      case "replay":
        return { path: "/api/checkout", headers: { ...AUTH, "idempotency-key": finished[i % finished.length]! }, body: BODY, tag: String(i) };
    }
  };
  // Every route warmed up before any is measured: the first window must not pay for the JIT.
  const amounts = new Map<Route, number>();
  for (const { route } of ROUTES) {
    const warm = await load({ url: stack.appUrl, connections: CONNECTIONS, amount: 300, shot: shot(route, `profile-${tag}-${route}-w-`) });
    if (route === "fresh") finished.push(...warm.replies.filter((r) => r.status === 201).map((r) => r.tag));
    amounts.set(route, amountFor(warm, SECONDS, { min: 100, max: 20_000 }));
  }
  const windows: Window[] = [];
  for (const { route } of ROUTES) {
    const amount = amounts.get(route)!;
    const [cpuBefore, startUs] = [processCpuMs(pid), nowUs()];
    const run = await load({ url: stack.appUrl, connections: CONNECTIONS, amount, shot: shot(route, `profile-${tag}-${route}-`) });
    const [endUs, cpuAfter] = [nowUs(), processCpuMs(pid)];
    const failed = run.replies.filter((r) => r.status >= 300).length;
    if (run.errors || failed) throw new Error(`${route}: ${run.errors} connection errors, ${failed} answers ≥ 300 (${JSON.stringify(run.statuses)})`);
    windows.push({ route, startUs, endUs, requests: run.requests, throughput: run.throughput, procCpuMs: cpuAfter - cpuBefore });
    console.log(`  ${route}: ${run.requests} requests, ${run.throughput.toFixed(0)} req/s, ${((cpuAfter - cpuBefore) / run.requests).toFixed(2)} ms CPU each (/proc)`);
  }
  return windows;
}

const sourceMaps = new Map<string, SourceMap | null>();
/** The source file a function of the build's bundle came from, through the bundle's source map. */
function originalSource(frame: CallFrame): string | null {
  const file = fileURLToPath(frame.url);
  if (!sourceMaps.has(file)) sourceMaps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")) as SourceMapPayload) : null);
  const entry = sourceMaps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber);
  return entry && "originalSource" in entry ? entry.originalSource : null;
}

function packageOf(modulePath: string): string {
  const [scopeOrName, name] = modulePath.split("/");
  return scopeOrName!.startsWith("@") ? `${scopeOrName}/${name}` : scopeOrName!;
}

/** Where a function's code lives: a package, the shop's own code, Node's core, WebAssembly or V8's own work. */
function groupOf(frame: CallFrame): string | null {
  const { functionName, url } = frame;
  if (functionName === "(idle)" || functionName === "(root)") return null;
  if (functionName === "(garbage collector)") return "V8: garbage collector";
  if (functionName === "(program)") return "V8: (program): native code outside JS (parsing, compiling, bindings)";
  if (!url) return "V8 builtins and native functions (JSON, RegExp, Buffer, …)";
  if (url.startsWith("node:")) return "Node.js core (streams, net, http, async hooks)";
  if (url.startsWith("wasm://")) return "WebAssembly (Prisma's query compiler)";
  const inModules = url.lastIndexOf("/node_modules/");
  if (inModules >= 0) {
    const modulePath = url.slice(inModules + "/node_modules/".length);
    return modulePath.startsWith("next/") ? "next (its server runtime)" : packageOf(modulePath);
  }
  if (url.includes("/.next/server/")) {
    // Next bundles the app with most of its dependencies: the source map tells them apart.
    const source = originalSource(frame);
    if (!source) return "the build's bundle, not mapped";
    const inSourceModules = source.lastIndexOf("node_modules/");
    return inSourceModules >= 0 ? packageOf(source.slice(inSourceModules + "node_modules/".length)) : "the shop's own code (app/, lib/)";
  }
  return url.replace(/^file:\/\//, "").replace(`${process.cwd()}/`, "");
}

type Tally = { groups: Map<string, number>; functions: Map<string, number>; sampledUs: number };

function tally(profile: CpuProfile, windows: Window[]): Map<Route, Tally> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const tallies = new Map<Route, Tally>(windows.map((w) => [w.route, { groups: new Map(), functions: new Map(), sampledUs: 0 }]));
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    const window = windows.find((w) => at >= w.startUs && at < w.endUs);
    if (!window) continue;
    // A sample stands for the time until the next one.
    const spanUs = profile.timeDeltas[i + 1] ?? SAMPLING_US;
    const frame = frames.get(profile.samples[i]!)!;
    const group = groupOf(frame);
    if (!group) continue;
    const t = tallies.get(window.route)!;
    t.sampledUs += spanUs;
    t.groups.set(group, (t.groups.get(group) ?? 0) + spanUs);
    const mapped = frame.url.includes("/.next/server/") ? originalSource(frame) : null;
    const where = frame.url ? `${(mapped ?? frame.url).replace(/^.*\/(node_modules|\.next)\//, "$1/").replace(/^(\.\.\/)+/, "")}${mapped ? "" : `:${frame.lineNumber + 1}`}` : "native";
    const fn = `${frame.functionName || "(anonymous)"} · ${where}`;
    t.functions.set(fn, (t.functions.get(fn) ?? 0) + spanUs);
  }
  return tallies;
}

function render(windows: Window[], tallies: Map<Route, Tally>, context: { commit: string; database: string; machine: string }): string {
  const lines: string[] = [];
  const line = (text = "") => lines.push(text);
  const ms = (us: number, requests: number) => (us / 1000 / requests).toFixed(3);
  line(`${new Date().toISOString()}, \`npm run bench:profile\`, commit ${context.commit}.`);
  line(`Machine: ${context.machine}; database: ${context.database}.`);
  line();
  line("# Where next-server's CPU goes, per request");
  line();
  line(`One production stack (webhooks and maintenance off, as in \`npm run bench\`), next-server run with \`--cpu-prof\` (a sample every ${SAMPLING_US} µs). ` +
    `Each route ran for about ${SECONDS} s at ${CONNECTIONS} connections after 300 requests of warm-up of every route, one route after another; a sample counts for the route whose window it fell in. ` +
    "Self time: the function on top of the stack when sampled, grouped by where its code lives. One run on a shared machine: read the shares, not the third digit.");
  line();
  line(`| | ${windows.map((w) => ROUTES.find((r) => r.route === w.route)!.title).join(" | ")} |`);
  line(`| --- | ${windows.map(() => "---:").join(" | ")} |`);
  line(`| requests | ${windows.map((w) => w.requests).join(" | ")} |`);
  line(`| requests/s | ${windows.map((w) => w.throughput.toFixed(0)).join(" | ")} |`);
  line(`| next-server CPU ms/request, /proc | ${windows.map((w) => (w.procCpuMs / w.requests).toFixed(3)).join(" | ")} |`);
  line(`| sampled CPU ms/request | ${windows.map((w) => ms(tallies.get(w.route)!.sampledUs, w.requests)).join(" | ")} |`);
  line(`| sampled ÷ /proc | ${windows.map((w) => `${((tallies.get(w.route)!.sampledUs / 1000 / w.procCpuMs) * 100).toFixed(0)} %`).join(" | ")} |`);
  line();
  line("Sampled below /proc is expected: /proc also counts what V8 does not sample (libuv's and the kernel's work for sockets, V8's background compiler and GC threads).");
  line();
  line("## Self time by where the code lives, ms per request");
  line();
  const groups = new Map<string, number>();
  for (const t of tallies.values()) for (const [g, us] of t.groups) groups.set(g, (groups.get(g) ?? 0) + us);
  const fresh = windows.find((w) => w.route === "fresh")!;
  const ordered = [...groups.keys()].sort((a, b) => (tallies.get("fresh")!.groups.get(b) ?? 0) - (tallies.get("fresh")!.groups.get(a) ?? 0) || groups.get(b)! - groups.get(a)!);
  line(`| code | ${windows.map((w) => ROUTES.find((r) => r.route === w.route)!.title).join(" | ")} | fresh − Stripe only |`);
  line(`| --- | ${windows.map(() => "---:").join(" | ")} | ---: |`);
  const stripe = windows.find((w) => w.route === "stripe")!;
  for (const g of ordered) {
    const per = (w: Window) => (tallies.get(w.route)!.groups.get(g) ?? 0) / 1000 / w.requests;
    line(`| ${g} | ${windows.map((w) => per(w).toFixed(3)).join(" | ")} | ${(per(fresh) - per(stripe)).toFixed(3)} |`);
  }
  line();
  line("## The fresh checkout's top functions by self time");
  line();
  line("| function · where | ms/request | share |");
  line("| --- | ---: | ---: |");
  const f = tallies.get("fresh")!;
  for (const [fn, us] of [...f.functions].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    line(`| ${fn.replaceAll("|", "\\|")} | ${ms(us, fresh.requests)} | ${((us / f.sampledUs) * 100).toFixed(1)} % |`);
  }
  line();
  return lines.join("\n");
}

async function waitForProfile(dir: string, pid: number): Promise<CpuProfile> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const file = readdirSync(dir).find((name) => name.includes(`.${pid}.`) && name.endsWith(".cpuprofile"));
    if (file) {
      try {
        return JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
      } catch {
        // still being written
      }
    }
    if (Date.now() > deadline) throw new Error(`next-server (pid ${pid}) wrote no profile to ${dir}`);
    await sleep(250);
  }
}

async function main() {
  buildIfStale();
  let database: TestDatabase | null = null;
  if (DATABASE === "postgres") {
    if (!(await postgresReachable())) throw new Error("needs PostgreSQL (TEST_POSTGRES_URL or 127.0.0.1:5432), or --database pglite");
    database = await createTestDatabase("postgres");
  }
  const dir = mkdtempSync(path.join(tmpdir(), "checkout-profile-"));
  mkdirSync("bench/results/raw", { recursive: true });
  const stack = await startStack({
    databaseUrl: database?.url,
    logFile: path.join(dir, "stack.log"),
    env: { NEXT_SERVER_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=${SAMPLING_US}` },
  });
  try {
    await fetch(`${stack.paymentsUrl}/_test/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ webhookUrl: null }) });
    const pid = nextServerPid();
    const windows = await drive(stack, pid, randomBytes(3).toString("hex"));
    // next-server writes its profile when it exits; the stack's own stop could kill it mid-write.
    process.kill(pid, "SIGTERM");
    const profile = await waitForProfile(dir, pid);
    const m = describeMachine();
    const machine = `${m.cpus} × ${m.cpuModel}, Node ${m.node}, next ${m.versions.next}, load average (1 min) at the end ${m.loadAverage.start.toFixed(2)}`;
    const text = render(windows, tally(profile, windows), { commit: m.commit, machine, database: await databaseVersion(stack.databaseUrl) });
    writeFileSync("bench/results/profile.md", text);
    console.log(text);
  } finally {
    await stack.stop();
    await database?.close();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

runAlone(main);
