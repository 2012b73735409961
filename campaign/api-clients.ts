import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import type { Plan } from "./plan.ts";
import type { ApiIdentity } from "./shoppers/api-shopper.ts";

/**
 * One API client per API shopper, written straight into the run's database (as an operator would
 * provision them): each shopper's keys live in its own scope, and the faults aimed at it match its
 * id in the PaymentIntents' metadata. Keys are stored as SHA-256 hashes, as the seed stores its own.
 */
export async function createApiClients(databaseUrl: string, plan: Plan): Promise<Map<string, ApiIdentity>> {
  const identities = new Map<string, ApiIdentity>();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const shopper of plan.shoppers.filter((s) => s.kind === "api")) {
      const apiKey = `campaign_${shopper.id}_${randomBytes(12).toString("hex")}`;
      const apiClientId = `campaign-${plan.seed}-${shopper.id}`;
      await client.query(`insert into "ApiClient" (id, name, "keyHash", "createdAt") values ($1, $2, $3, now())`, [apiClientId, `Campaign ${shopper.id}`, createHash("sha256").update(apiKey).digest("hex")]);
      identities.set(shopper.id, { apiClientId, apiKey });
    }
  } finally {
    await client.end();
  }
  return identities;
}
