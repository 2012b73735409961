import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../cluster/supervisor.ts";
import { ClusterSetupError, requireBuild, requireNginx } from "../cluster/preflight.ts";
import { campaignBroker, type CampaignBroker } from "./broker.ts";
import { createApiClients } from "./api-clients.ts";
import { check } from "./checker/check.ts";
import { fetchLedger } from "./checker/ledger.ts";
import { ClientLog } from "./client-log.ts";
import { createCampaignDatabase } from "./database.ts";
import { runKills, pausePoints, type KillCounts } from "./nemesis/kills.ts";
import { PaymentsControl } from "./nemesis/payments-faults.ts";
import { proxyRetries } from "./nginx-log.ts";
import { replayCommand, type CampaignOptions } from "./options.ts";
import { MAILER_POINT, makePlan, RELAY_POINT, plannedKills, planSummary } from "./plan.ts";
import { type CampaignReport, writeReport } from "./report.ts";
import { CAMPAIGN_ENV, CAMPAIGN_PAYMENTS, livenessBound } from "./settings.ts";
import { mailFaultsStruck, waitUntilSettled } from "./settle.ts";
import { ServerActions } from "./shoppers/actions.ts";
import type { ShopperContext } from "./shoppers/context.ts";
import { runTraffic } from "./traffic.ts";

/** `all`: every violation's invariant and message (the report details only the first few of each invariant). */
export type CampaignOutcome = { report: CampaignReport; files: { markdown: string; json: string }; violations: number; all: { invariant: number; message: string }[] };

const say = (line: string) => console.log(`[campaign] ${line}`);

/**
 * One campaign: a fresh database, the cluster, the plan's shoppers and faults, then the faults
 * stop, the system settles, and the checker judges the final state. Returns the report.
 */
export async function runCampaign(options: CampaignOptions, teardown: { dropDatabase: "unless-violations" | "always" } = { dropDatabase: "unless-violations" }): Promise<CampaignOutcome> {
  const startedAt = new Date();
  const loadAverageStart = os.loadavg();
  say(`seed ${options.seed} (replay: ${replayCommand(options)})`);
  const nginxBinary = requireNginx(process.env);
  requireBuild(process.cwd());
  if (options.broker && options.embedded) throw new ClusterSetupError("--broker needs PostgreSQL: the mailer is a process of its own, and the embedded database serves one");
  const broker: CampaignBroker | null = options.broker ? await campaignBroker(process.env, options.seed) : null;
  const database = await createCampaignDatabase(options);
  const runDir = path.resolve(".data", "campaign", `${startedAt.toISOString().replace(/[:.]/g, "-")}-seed-${options.seed}`);
  mkdirSync(runDir, { recursive: true });
  // Without --broker, no broker at all (an AMQP_URL of the shell's must not send this run's mail to
  // another's queues); with it, queues of the run's own.
  const environment = { ...process.env, ...CAMPAIGN_ENV, BREAK_GUARANTEES: options.switches.join(","), AMQP_URL: broker?.url ?? "", ...(broker && { AMQP_QUEUE_PREFIX: broker.prefix }) };
  let cluster: Cluster | null = null;
  let violations = 0;
  try {
    const clusterStart = performance.now();
    cluster = await startCluster({ database: database.spec, instances: options.instances, nginxBinary, runDir, environment, payments: CAMPAIGN_PAYMENTS, log: (line) => say(line) });
    const instanceStartMs = Math.round(performance.now() - clusterStart);
    // Each confirmation path has its own points: in process, the consumer's commit before the
    // relay's mark (mail_after_commit, on the instances); with a broker, its confirm before the
    // relay's mark (relay_after_publish, on the instances) and the mailer's commit before its ack
    // (the mailer process is killed there instead).
    const unreachable = cluster.mailer ? MAILER_POINT : RELAY_POINT;
    const points = (await pausePoints(cluster.instances[0]!)).filter((point) => point !== unreachable);
    const plan = makePlan({
      seed: options.seed,
      ops: options.ops,
      instances: options.instances,
      stripeTimeoutMs: cluster.config.STRIPE_TIMEOUT_MS,
      idempotencyTtlMs: cluster.config.IDEMPOTENCY_TTL_MS,
      pausePoints: points,
      mailer: cluster.mailer !== null,
      ...(options.killsPerPoint !== undefined && { killsPerPoint: options.killsPerPoint }),
      ...(options.randomKills !== undefined && { randomKills: options.randomKills }),
      ...(options.editRaceShare !== undefined && { editRaceShare: options.editRaceShare }),
    });
    const summary = planSummary(plan);
    say(`plan: ${plan.checkouts} checkouts by ${summary.shoppers.api} API clients and ${summary.shoppers.cart} cart sessions; ${summary.kills} kills (${Object.entries(summary.killsByKind).sort().map(([kind, n]) => `${kind} ${n}`).join(", ")}); instance pause points ${points.join(", ")}${cluster.mailer ? `; the mailer's ${MAILER_POINT}` : ""}`);
    const bound = livenessBound(cluster.config, Number(CAMPAIGN_ENV.MAINTENANCE_INTERVAL_MS), Math.max(15_000, instanceStartMs));

    const identities = await createApiClients(cluster.databaseUrl, plan);
    const log = new ClientLog(path.join(runDir, "client-log.jsonl"));
    const payments = new PaymentsControl(cluster.paymentsUrl, log);
    const trafficStart = performance.now();
    const stopping = () => options.duration > 0 && performance.now() - trafficStart > options.duration * 1000;
    let trafficDone = false;
    const instances = cluster.instances;
    const errors: string[] = [];
    const background: Promise<unknown>[] = [];
    const context: ShopperContext = {
      log,
      urls: { lb: cluster.url, retrying: cluster.retryUrl },
      instanceUrls: () => instances.filter((instance) => instance.running).map((instance) => instance.url),
      payments,
      actions: new ServerActions(),
      progress: { started: 0, finished: 0 },
      stopping,
      idempotencyTtlMs: cluster.config.IDEMPOTENCY_TTL_MS,
      later: (task) => void background.push(task.catch((error: unknown) => errors.push(`background: ${String(error)}`))),
    };
    const progress = setInterval(() => {
      const seconds = (performance.now() - trafficStart) / 1000;
      say(`${seconds.toFixed(0)} s: ${context.progress.started}/${plan.checkouts} checkouts started, ${context.progress.finished} done; ${log.counts.requests} requests, ${log.counts.noAnswer} unanswered; ${log.counts.kills} kills; load ${os.loadavg()[0]!.toFixed(1)}`);
    }, 15_000);
    const nemesis = runKills({ events: plan.nemesis, instances, mailer: cluster.mailer, log, started: () => context.progress.started, stopped: () => trafficDone || stopping() });
    await runTraffic(context, plan, identities, options.concurrency, (shopper, error) => {
      errors.push(`${shopper.id}: ${(error as Error).stack ?? String(error)}`);
      say(`shopper ${shopper.id} crashed: ${(error as Error).message}`);
    });
    await Promise.all(background);
    trafficDone = true;
    const kills: KillCounts = await nemesis;
    clearInterval(progress);
    const trafficMs = Math.round(performance.now() - trafficStart);
    if (errors.length) writeFileSync(path.join(runDir, "driver-errors.txt"), errors.join("\n\n"));

    // Faults stop: every instance up, no rule left to strike, no pause point armed.
    await Promise.all(instances.filter((instance) => !instance.running).map((instance) => instance.start()));
    if (cluster.mailer && !cluster.mailer.running) await cluster.mailer.start();
    const struck = await payments.struck();
    await payments.clear();
    await Promise.all(instances.map((instance) => fetch(`${instance.url}/api/test/pause`, { method: "DELETE" }).catch(() => {})));
    log.phase("faults_stopped");
    say(`traffic done in ${(trafficMs / 1000).toFixed(0)} s; faults stopped; waiting for the system to settle (bound ${(bound.boundMs / 1000).toFixed(0)} s)`);
    const settle = await waitUntilSettled(cluster.databaseUrl, bound.boundMs, (state, elapsed) => say(`settling, ${(elapsed / 1000).toFixed(0)} s: ${JSON.stringify(state)}`));
    log.phase("settled", { ...settle });
    await log.close();

    const ledger = await fetchLedger(cluster.paymentsUrl);
    writeFileSync(path.join(runDir, "ledger.json"), JSON.stringify(ledger));
    const result = await check({ databaseUrl: cluster.databaseUrl, ledger, clientLog: log.file, liveness: { boundMs: bound.boundMs, ...settle } });
    violations = result.results.reduce((sum, r) => sum + r.violations.length, 0);

    const lines = readFileSync(log.file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { type: string; op?: string; copy?: string; told?: string; kind?: string });
    const countBy = (type: string, field: "op" | "copy" | "told" | "kind") => lines.filter((l) => l.type === type).reduce<Record<string, number>>((acc, l) => ((acc[l[field] ?? "?"] = (acc[l[field] ?? "?"] ?? 0) + 1), acc), {});
    const retries = proxyRetries(cluster.nginx.accessLog, { lb: Number(new URL(cluster.url).port), retrying: Number(new URL(cluster.retryUrl).port) });
    const byCopy = countBy("request", "copy");
    const mail = await mailFaultsStruck(cluster.databaseUrl);
    const deadLettered = broker ? await broker.deadLettered() : 0;
    const armed = { ...countBy("fault", "kind"), ...plannedKills(plan.nemesis), abandoned_request: lines.filter((l) => l.type === "request" && "abandonAfterMs" in l).length, cart_edit_racing_checkout: byCopy.edit_race ?? 0, retry_after_purge: byCopy.late_reload ?? 0, proxy_resent_post: retries.retryingResent };
    const finalStatus = [...result.orders.values()].reduce<Record<string, number>>((acc, order) => ((acc[order.status] = (acc[order.status] ?? 0) + 1), acc), {});
    const report: CampaignReport = {
      seed: options.seed,
      replay: replayCommand(options),
      startedAt: startedAt.toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "?", memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverageStart, loadAverageEnd: os.loadavg(), node: process.version },
      setup: { database: options.embedded ? "embedded PGlite" : "PostgreSQL", instances: options.instances, concurrency: options.concurrency, switches: options.switches, environment: { ...CAMPAIGN_ENV }, livenessBoundMs: bound.boundMs, livenessBoundParts: bound.parts },
      durations: { trafficMs, settleMs: settle.settledAfterMs, totalMs: Date.now() - startedAt.getTime() },
      plan: summary,
      checkouts: { planned: plan.checkouts, started: context.progress.started, finished: context.progress.finished, distinctKeys: result.distinctKeys, orders: result.orders.size, byFinalStatus: finalStatus, perSecond: context.progress.started / (trafficMs / 1000) },
      operations: { requests: log.counts.requests, answered: log.counts.answers, noAnswer: log.counts.noAnswer, byOperation: countBy("request", "op"), byCopy, byTold: countBy("answer", "told"), cartViews: log.counts.cartViews, requestsPerSecond: log.counts.requests / (trafficMs / 1000) },
      faults: { armed, struck: { ...struck, kill_random: kills.random, ...Object.fromEntries(Object.entries(kills.byPoint).map(([point, n]) => [`kill_at_${point}`, n])), ...(cluster.mailer && { mailer_kill_random: kills.mailer.random, [`mailer_kill_at_${MAILER_POINT}`]: kills.mailer.afterCommit }), proxy_resent_post: retries.retryingResent, proxy_failed_over_unsent: retries.lbFailedOver, abandoned_request: armed.abandoned_request, cart_edit_racing_checkout: armed.cart_edit_racing_checkout, retry_after_purge: armed.retry_after_purge } },
      kills: {
        random: kills.random,
        byPoint: kills.byPoint,
        missed: kills.missed,
        restarts: kills.restarts,
        meanRestartMs: mean(kills.restartMs),
        maxRestartMs: Math.max(0, ...kills.restartMs),
        maxDown: kills.maxDown,
        ...(cluster.mailer && { mailer: { random: kills.mailer.random, afterCommit: kills.mailer.afterCommit, missed: kills.mailer.missed, restarts: kills.mailer.restarts, meanRestartMs: mean(kills.mailer.restartMs) } }),
      },
      mail: { path: cluster.mailer ? "broker" : "in_process", ...mail, deadLettered },
      invariants: result.results.map((r) => ({ id: r.id, name: r.name, checked: r.checked, violations: r.violations.length })),
      violations: result.violations,
      database: violations ? database.name : "(dropped)",
    };
    const files = writeReport(path.resolve(options.out), report);
    for (const invariant of report.invariants) say(`invariant ${invariant.id}: ${invariant.checked} checked, ${invariant.violations} violations — ${invariant.name}`);
    for (const violation of result.violations) console.log(`\nVIOLATION of invariant ${violation.invariant}: ${violation.message}\n${violation.history.join("\n")}\nreplay: ${report.replay}`);
    say(`${violations} violations; report ${path.relative(process.cwd(), files.markdown)}; run files in ${path.relative(process.cwd(), runDir)}`);
    return { report, files, violations, all: result.all };
  } finally {
    await cluster?.stop();
    if ((violations === 0 || teardown.dropDatabase === "always") && !options.keep) {
      await database.drop().catch(() => {});
      await broker?.drop().catch((error: unknown) => say(`could not delete the run's queues (${broker.prefix}*): ${String(error)}`));
    } else say(`kept the run's database for inspection: ${database.name}${broker ? `, and its queues ${broker.prefix}*` : ""}`);
  }
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
