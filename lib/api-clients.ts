import { db } from "@/lib/db.ts";
import { sha256 } from "@/lib/hash.ts";

/** API keys are stored as SHA-256 hashes; the raw key exists only with its holder. */
export async function authenticateApiKey(authorization: string | null): Promise<{ id: string; name: string } | null> {
  const match = /^Bearer\s+(\S{8,200})$/.exec(authorization ?? "");
  if (!match?.[1]) return null;
  return db.apiClient.findUnique({ where: { keyHash: sha256(match[1]) }, select: { id: true, name: true } });
}
