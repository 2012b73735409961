import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../lib/generated/prisma/client.ts";
import { sha256 } from "../lib/hash.ts";
import { CATALOG } from "./catalog.ts";

export const DEFAULT_DEMO_API_KEY = "demo_local_api_key_change_me";

/** Idempotent: upserts by natural key, so it runs on every start without duplicating anything. */
export async function seed(url: string): Promise<void> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
  try {
    for (const product of CATALOG) {
      const data = { ...product, currency: "usd", image: `/products/${product.slug}.svg` };
      await db.product.upsert({ where: { slug: product.slug }, create: data, update: data });
    }
    const keyHash = sha256(process.env.DEMO_API_KEY ?? DEFAULT_DEMO_API_KEY);
    await db.apiClient.upsert({ where: { keyHash }, create: { name: "Demo API client", keyHash }, update: {} });
  } finally {
    await db.$disconnect();
  }
}
