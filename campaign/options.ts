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
  /** Kills planned at each pause point (default: plan.ts `defaultKills`: one per 800 checkouts, at least 2). */
  killsPerPoint: z.coerce.number().int().min(0).max(1000).optional(),
  /** Instances killed at random moments (default: plan.ts `defaultKills`: one per 180 checkouts, at least 2). */
  randomKills: z.coerce.number().int().min(0).max(10_000).optional(),
  /**
   * Confirmations through RabbitMQ (AMQP_URL, or the machine's broker): the instances' relays
   * publish to queues of the run's own, a mailer process consumes them, and the nemesis kills it too.
   */
  broker: z.boolean().default(false),
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
      "random-kills": { type: "string" },
      broker: { type: "boolean", default: false },
      "edit-race-share": { type: "string" },
      switches: { type: "string", default: "" },
      out: { type: "string", default: "campaign/results" },
      keep: { type: "boolean", default: false },
    },
  });
  const { "kills-per-point": killsPerPoint, "random-kills": randomKills, "edit-race-share": editRaceShare, ...rest } = values;
  const embedded = values.embedded ?? false;
  const instances = embedded ? "1" : values.instances;
  return CampaignOptions.parse({
    ...rest,
    ...(killsPerPoint !== undefined && { killsPerPoint }),
    ...(randomKills !== undefined && { randomKills }),
    ...(editRaceShare !== undefined && { editRaceShare }),
    instances,
    embedded,
    // AMQP_URL set: the shop would use a broker anyway, so the campaign runs (and kills) its mailer.
    broker: (values.broker ?? false) || Boolean(process.env.AMQP_URL),
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
  if (options.randomKills !== undefined) args.push(`--random-kills ${options.randomKills}`);
  if (options.broker) args.push("--broker");
  if (options.editRaceShare !== undefined) args.push(`--edit-race-share ${options.editRaceShare}`);
  if (options.switches.length) args.push(`--switches ${options.switches.join(",")}`);
  return `${options.embedded ? "" : "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres "}npm run campaign -- ${args.join(" ")}`;
}
