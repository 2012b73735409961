import { z } from "zod";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { sha256 } from "@/lib/hash.ts";

/*
 * WHO IS CALLING, as a CTE (`caller`) the look and the naive checkout's statement start with.
 *
 * An API request is named by its key: the client is looked up by the key's hash inside the same
 * statement that reads the idempotency record, instead of in a round trip of its own before it.
 * That saves a round trip on every API request, and it makes a replay one statement: the key
 * check and the record read are one snapshot, and nothing the statement reads or writes outside
 * `caller` is reachable without a caller row. Zero rows (an unknown key) reads no record, prices
 * no lines and writes no step, whatever the test switches say.
 *
 * The key is checked once, by the look; the claim does not check it again. The shop revokes no
 * keys today, but were one revoked between the look and the claim, that request would still place
 * its one order, as if it had arrived a moment earlier: harmless, since the revocation holds from
 * the client's next request and the order is that client's own.
 *
 * A cart session (the server action) already knows its scope (from the session cookie), so its
 * caller is that scope as a parameter row: the same statement serves both.
 */

/**
 * An API key (looked up by its SHA-256, as "ApiClient"."keyHash" stores it), or a caller already
 * known: a cart session's scope, or (in-process callers: tests, the lab, the bench) an API
 * client's scope and id.
 */
export type Caller = { kind: "apiKey"; apiKey: string } | { kind: "scope"; scope: string; apiClientId?: string | null };

/** The caller as the statement resolved it: the API client's id (null for a cart session) and the scope its records live under. */
export const callerRow = z.object({ id: z.string().nullable(), scope: z.string() });
export type ResolvedCaller = z.infer<typeof callerRow>;

/** The body of the `caller` CTE: at most one row (id, scope). */
export function callerQuery(caller: Caller): Prisma.Sql {
  return caller.kind === "apiKey"
    ? // keyHash is unique: one row for a known key, none for any other. The scope is built
      // exactly as apiScope() (lib/checkout/request.ts) builds it: 'api:' || the client's id.
      Prisma.sql`SELECT id, 'api:' || id AS scope FROM "ApiClient" WHERE "keyHash" = ${sha256(caller.apiKey)}`
    : // A known scope: one row, as a parameter, never spliced in.
      Prisma.sql`SELECT ${caller.apiClientId ?? null}::text AS id, ${caller.scope}::text AS scope`;
}
