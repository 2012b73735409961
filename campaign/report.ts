import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { answerTableMarkdown } from "./checker/answers.ts";

export type CampaignReport = {
  seed: number;
  replay: string;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; loadAverageStart: number[]; loadAverageEnd: number[]; node: string };
  setup: { database: string; instances: number; concurrency: number; switches: string[]; environment: Record<string, string>; livenessBoundMs: number; livenessBoundParts: Record<string, number> };
  durations: { trafficMs: number; settleMs: number | null; totalMs: number };
  plan: Record<string, unknown>;
  checkouts: { planned: number; started: number; finished: number; distinctKeys: number; orders: number; byFinalStatus: Record<string, number>; perSecond: number };
  operations: { requests: number; answered: number; noAnswer: number; byOperation: Record<string, number>; byCopy: Record<string, number>; byTold: Record<string, number>; cartViews: number; requestsPerSecond: number };
  faults: { armed: Record<string, number>; struck: Record<string, number> };
  kills: {
    random: number;
    byPoint: Record<string, number>;
    missed: Record<string, number>;
    restarts: number;
    meanRestartMs: number;
    maxRestartMs?: number;
    /** The most instances down at once (the nemesis keeps one serving). */
    maxDown?: number;
    /** With a broker: the mailer process's kills. */
    mailer?: { random: number; afterCommit: number; missed: number; restarts: number; meanRestartMs: number };
  };
  /** The confirmation path: in process, or through RabbitMQ and the mailer; what its faults left to absorb. */
  mail?: { path: "in_process" | "broker"; duplicateDeliveries: number; claimedAgain: number; deadLettered: number };
  invariants: { id: number; name: string; checked: number; violations: number }[];
  violations: { invariant: number; message: string; subject: Record<string, unknown>; history: string[] }[];
  database: string;
};

const table = (rows: [string, string | number][], head: [string, string]) => [`| ${head[0]} | ${head[1]} |`, "| --- | ---: |", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n");
const sorted = (record: Record<string, number>) => Object.entries(record).sort(([a], [b]) => a.localeCompare(b));

export function renderMarkdown(report: CampaignReport): string {
  const total = report.invariants.reduce((sum, i) => sum + i.violations, 0);
  const faultKinds = [...new Set([...Object.keys(report.faults.armed), ...Object.keys(report.faults.struck)])].sort();
  return [
    `# Campaign: seed ${report.seed} — ${total === 0 ? "0 violations" : `${total} VIOLATIONS`}`,
    "",
    `Replay the plan: \`${report.replay}\` (the same seed replays the same plan of operations and faults, not the same interleaving: which request reaches which instance first, and when a kill lands, are the machine's).`,
    "",
    `Started ${report.startedAt}; ${report.setup.instances} instance(s) on ${report.setup.database}, behind nginx; ${report.setup.concurrency} shoppers at a time${report.setup.switches.length ? `; **guarantees switched off: ${report.setup.switches.join(", ")}**` : ""}.`,
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}; load average ${report.machine.loadAverageStart.map((l) => l.toFixed(1)).join(" ")} at the start, ${report.machine.loadAverageEnd.map((l) => l.toFixed(1)).join(" ")} at the end (shared with other work).`,
    `Traffic ${(report.durations.trafficMs / 1000).toFixed(0)} s, settled ${report.durations.settleMs === null ? "NOT within the bound" : `after ${(report.durations.settleMs / 1000).toFixed(1)} s`} (bound ${(report.setup.livenessBoundMs / 1000).toFixed(0)} s), ${(report.durations.totalMs / 1000).toFixed(0)} s in all.`,
    "",
    "## Checkouts",
    "",
    table([
      ["planned", report.checkouts.planned],
      ["started", report.checkouts.started],
      ["distinct keys sent", report.checkouts.distinctKeys],
      ["orders in the database", report.checkouts.orders],
      ...sorted(report.checkouts.byFinalStatus).map(([status, n]) => [`… ended ${status}`, n] as [string, number]),
      ["checkouts per second", report.checkouts.perSecond.toFixed(1)],
      ["requests per second", report.operations.requestsPerSecond.toFixed(1)],
    ], ["", "count"]),
    "",
    "## Operations",
    "",
    table(sorted(report.operations.byOperation), ["operation", "requests"]),
    "",
    table(sorted(report.operations.byCopy), ["why it was sent", "requests"]),
    "",
    table([...sorted(report.operations.byTold), ["no answer at all", report.operations.noAnswer], ["cart views shown", report.operations.cartViews]], ["answer (as the shopper read it)", "count"]),
    "",
    "## Faults",
    "",
    ["| fault | armed | struck |", "| --- | ---: | ---: |", ...faultKinds.map((kind) => `| ${kind} | ${report.faults.armed[kind] ?? 0} | ${report.faults.struck[kind] ?? "—"} |`)].join("\n"),
    "",
    "## Kills",
    "",
    ...killsMarkdown(report),
    "",
    "## Invariants",
    "",
    ["| # | invariant | cases checked | violations |", "| ---: | --- | ---: | ---: |", ...report.invariants.map((i) => `| ${i.id} | ${i.name} | ${i.checked} | ${i.violations} |`)].join("\n"),
    "",
    "Invariant 6's table (what the shopper was told → the final states that agree with it):",
    "",
    answerTableMarkdown(),
    "",
    ...(report.violations.length
      ? ["## Violations", "", ...report.violations.flatMap((v) => [`### Invariant ${v.invariant}: ${v.message}`, "", "```", ...v.history, "```", "", `Replay: \`${report.replay}\``, ""])]
      : []),
  ].join("\n");
}

function killsMarkdown(report: CampaignReport): string[] {
  const { kills, mail } = report;
  const points = [...new Set([...Object.keys(kills.byPoint), ...Object.keys(kills.missed)])].sort();
  const total = kills.random + Object.values(kills.byPoint).reduce((a, b) => a + b, 0);
  return [
    `${total} instance kills (SIGKILL): ${kills.random} at random moments, ${total - kills.random} at pause points.`,
    "",
    [
      "| target | when | kills | armed, never reached |",
      "| --- | --- | ---: | ---: |",
      `| instance | a random moment | ${kills.random} | — |`,
      ...points.map((point) => `| instance | held at ${point} | ${kills.byPoint[point] ?? 0} | ${kills.missed[point] ?? 0} |`),
      ...(kills.mailer ? [`| mailer | a random moment | ${kills.mailer.random} | — |`, `| mailer | right after its commit, before the ack (mail_after_commit) | ${kills.mailer.afterCommit} | ${kills.mailer.missed} |`] : []),
    ].join("\n"),
    "",
    `${kills.restarts} instance restarts, ${(kills.meanRestartMs / 1000).toFixed(1)} s each on average (spawn to healthy${kills.maxRestartMs !== undefined ? `, ${(kills.maxRestartMs / 1000).toFixed(1)} s at most` : ""})${kills.maxDown !== undefined ? `; at most ${kills.maxDown} instance(s) down at once` : ""}.${kills.mailer ? ` ${kills.mailer.restarts} mailer restarts, ${(kills.mailer.meanRestartMs / 1000).toFixed(1)} s each on average.` : ""}`,
    ...(mail
      ? ["", `Confirmations ${mail.path === "broker" ? "through RabbitMQ and the mailer process" : "in process (no broker)"}: ${mail.duplicateDeliveries} copies delivered again and recognised by the consumer, ${mail.claimedAgain} outbox rows claimed by a relay more than once${mail.path === "broker" ? `, ${mail.deadLettered} dead-lettered` : ""}.`]
      : []),
  ];
}

/** Writes `<out>/<date>-seed-<seed>.{md,json}` and copies them to `latest.{md,json}`. */
export function writeReport(out: string, report: CampaignReport): { markdown: string; json: string } {
  mkdirSync(out, { recursive: true });
  const base = path.join(out, `${report.startedAt.slice(0, 10)}-seed-${report.seed}`);
  const markdown = `${base}.md`;
  const json = `${base}.json`;
  writeFileSync(markdown, renderMarkdown(report));
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  copyFileSync(markdown, path.join(out, "latest.md"));
  copyFileSync(json, path.join(out, "latest.json"));
  return { markdown, json };
}
