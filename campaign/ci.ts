import { randomInt } from "node:crypto";
import { buildIfStale } from "../e2e/support/build.ts";
import { POSTGRES_ADMIN_URL } from "../test/setup/database.ts";
import { CampaignOptions } from "./options.ts";
import { runCampaign } from "./run.ts";

/**
 * CI's short campaign (`npm run campaign:ci`): 2 instances on PostgreSQL behind nginx, two runs of
 * about a minute each: a fixed seed (the same plan every time, so a regression shows at once) and a
 * random seed, printed, so CI explores a new plan each time and a failure names its replay command.
 * Exit status 1 on any violation. The production build the browser scenarios made is reused; a
 * fresh clone builds once here.
 */
const FIXED_SEED = 20261201;
const SHORT = { ops: 150, duration: 45, instances: 2, embedded: false, concurrency: 12, switches: [], out: ".data/campaign/ci", keep: false };

buildIfStale();
process.env.DATABASE_URL ||= POSTGRES_ADMIN_URL;
const seeds = [FIXED_SEED, randomInt(0, 2 ** 31)];
console.log(`[campaign:ci] seeds: ${seeds[0]} (fixed) and ${seeds[1]} (random)`);
const outcomes = [];
for (const seed of seeds) {
  const { report, violations } = await runCampaign(CampaignOptions.parse({ ...SHORT, seed }));
  outcomes.push({ seed, violations, replay: report.replay, checkouts: report.checkouts.started, kills: report.kills.random + Object.values(report.kills.byPoint).reduce((a, b) => a + b, 0) });
}
for (const outcome of outcomes) console.log(`[campaign:ci] seed ${outcome.seed}: ${outcome.checkouts} checkouts, ${outcome.kills} kills, ${outcome.violations} violations${outcome.violations ? ` — replay: ${outcome.replay}` : ""}`);
process.exit(outcomes.some((outcome) => outcome.violations > 0) ? 1 : 0);
