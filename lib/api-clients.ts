import { db } from "@/lib/db.ts";
import { sha256 } from "@/lib/hash.ts";
import { bearerKey } from "@/lib/checkout/request.ts";

/**
 * API keys are stored as SHA-256 hashes; the raw key exists only with its holder. The checkout
 * authenticates inside its look statement (lib/checkout/statements/caller.ts) instead; there this
 * stand-alone lookup serves the error path only (401 rather than 400 for a malformed request).
 */
export async function authenticateApiKey(authorization: string | null): Promise<{ id: string; name: string } | null> {
  const apiKey = bearerKey(authorization);
  if (!apiKey) return null;
  return db.apiClient.findUnique({ where: { keyHash: sha256(apiKey) }, select: { id: true, name: true } });
}
