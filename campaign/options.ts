import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { z } from "zod";

export const CampaignOptions = z.object({
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1),
  ops: z.coerce.number().int().min(1).max(1_000_000),
  /** Seconds of traffic at most (0 = until the plan is done). */
  duration: z.coerce.number().int().min(0),
  instances: z.coerce.number().int().min(1).max(8),
  embedded: z.boolean(),
  /** Shoppers running at once. */
  concurrency: z.coerce.number().int().min(1).max(200),
  /** Kills planned at each pause point (default: one per 600 checkouts, at least 2). */
  killsPerPoint: z.coerce.number().int().min(0).max(1000).optional(),
  /** Of the cart sessions' checkouts, the share with a cart edit racing the payment (default 0.15). */
  editRaceShare: z.coerce.number().min(0).max(1).optional(),
  /** Guarantees switched off (lib/test-hooks.ts GUARANTEE_SWITCHES), for the checker's own test. */
  switches: z.array(z.string().regex(/^[a-z_]+$/)),
  out: z.string(),
  /** Keep the run's database even when the run is clean. */
  keep: z.boolean(),
});
export type CampaignOptions = z.infer<typeof CampaignOptions>;

export function parseOptions(argv: string[]): CampaignOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: "string" },
      ops: { type: "string", default: "300" },
      duration: { type: "string", default: "0" },
      instances: { type: "string", default: "3" },
      embedded: { type: "boolean", default: false },
      concurrency: { type: "string" },
      "kills-per-point": { type: "string" },
      "edit-race-share": { type: "string" },
      switches: { type: "string", default: "" },
      out: { type: "string", default: "campaign/results" },
      keep: { type: "boolean", default: false },
    },
  });
  const { "kills-per-point": killsPerPoint, "edit-race-share": editRaceShare, ...rest } = values;
  const embedded = values.embedded ?? false;
  const instances = embedded ? "1" : values.instances;
  return CampaignOptions.parse({
    ...rest,
    ...(killsPerPoint !== undefined && { killsPerPoint }),
    ...(editRaceShare !== undefined && { editRaceShare }),
    instances,
    embedded,
    seed: values.seed ?? randomInt(0, 2 ** 31),
    concurrency: values.concurrency ?? String(4 + Number(instances) * 4),
    switches: (values.switches ?? "").split(",").map((name) => name.trim()).filter(Boolean),
  });
}

/** The command that replays a run's plan (same seed, same plan; not the same interleaving). */
export function replayCommand(options: CampaignOptions): string {
  const args = [`--seed ${options.seed}`, `--ops ${options.ops}`, options.embedded ? "--embedded" : `--instances ${options.instances}`, `--concurrency ${options.concurrency}`];
  if (options.duration) args.push(`--duration ${options.duration}`);
  if (options.killsPerPoint !== undefined) args.push(`--kills-per-point ${options.killsPerPoint}`);
  if (options.editRaceShare !== undefined) args.push(`--edit-race-share ${options.editRaceShare}`);
  if (options.switches.length) args.push(`--switches ${options.switches.join(",")}`);
  return `${options.embedded ? "" : "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres "}npm run campaign -- ${args.join(" ")}`;
}
