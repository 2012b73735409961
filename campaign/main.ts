import { existsSync } from "node:fs";
import { ClusterSetupError } from "../cluster/preflight.ts";
import { parseOptions } from "./options.ts";
import { runCampaign } from "./run.ts";

/** `npm run campaign -- [--seed N] [--ops N] [--duration S] [--instances N | --embedded] [--switches a,b]` */
if (existsSync(".env")) process.loadEnvFile(".env");
try {
  const { violations } = await runCampaign(parseOptions(process.argv.slice(2)));
  process.exit(violations === 0 ? 0 : 1);
} catch (error) {
  console.error(error instanceof ClusterSetupError ? `error: ${error.message}` : error);
  process.exit(2);
}
