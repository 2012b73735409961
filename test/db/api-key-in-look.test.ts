import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { POST as postNaive } from "@/app/api/checkout/naive/route.ts";
import { db } from "@/lib/db.ts";
import { callCheckoutApi, createApiClient, scopeCounts } from "../setup/fixtures.ts";

/*
 * The API key is checked by the look itself (lib/checkout/statements/caller.ts): a replay over
 * the API is one statement, and an unknown key reads and writes nothing, whatever the switches.
 */

const UNKNOWN_KEY = `unknown_${randomUUID()}`;
const UNAUTHENTICATED = { error: { type: "authentication_error", code: "invalid_api_key", message: "Send a valid API key as `Authorization: Bearer <key>`" } };

const switches = globalThis as unknown as { brokenGuarantees?: ReadonlySet<string> };
const savedSwitches = switches.brokenGuarantees;

afterEach(() => {
  vi.restoreAllMocks();
  switches.brokenGuarantees = savedSwitches;
});

/** Every statement node-postgres sends while `run` runs (the pool under Prisma's adapter and the hot path's statements alike). */
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    sent.push((typeof first === "string" ? first : ((first as { text?: string } | undefined)?.text ?? "")).replace(/\s+/g, " ").trim());
    return query.apply(this, args);
  };
  try {
    await run();
  } finally {
    proto.query = query;
  }
  return sent;
}

/** Steps written under an idempotency key, in any scope. */
const stepsWithKey = (key: string) => db.auditEvent.count({ where: { detail: { path: ["key"], equals: key } } });

describe("POST /api/checkout: the API key is checked in the look", () => {
  it("a replay is exactly one database statement and no transaction", async () => {
    const { apiKey } = await createApiClient();
    const key = randomUUID();
    const first = await callCheckoutApi({ key, apiKey });
    expect(first.status).toBe(201);
    const transactions = vi.spyOn(db, "$transaction");
    let replay: Awaited<ReturnType<typeof callCheckoutApi>> | undefined;
    const sent = await statementsOf(async () => {
      replay = await callCheckoutApi({ key, apiKey });
    });
    expect(replay?.status).toBe(201);
    expect(replay?.headers.get("idempotent-replayed")).toBe("true");
    expect(replay?.body).toEqual(first.body);
    expect(sent, sent.join("\n")).toHaveLength(1);
    expect(sent.filter((text) => /^(BEGIN|COMMIT|ROLLBACK)/i.test(text))).toEqual([]);
    expect(transactions).not.toHaveBeenCalled();
  });

  it("an unknown key is 401 from one statement, never answered from another client's record under the same idempotency key, even with scoped_keys off", async () => {
    for (const unscoped of [false, true]) {
      switches.brokenGuarantees = new Set(unscoped ? ["scoped_keys"] : []);
      const { apiKey, scope } = await createApiClient();
      const key = randomUUID();
      const owner = await callCheckoutApi({ key, apiKey });
      expect(owner.status).toBe(201);
      const before = { steps: await stepsWithKey(key), owner: await scopeCounts(scope) };

      let stranger: Awaited<ReturnType<typeof callCheckoutApi>> | undefined;
      const sent = await statementsOf(async () => {
        stranger = await callCheckoutApi({ key, apiKey: UNKNOWN_KEY });
      });
      expect(stranger?.status, `scoped_keys ${unscoped ? "off" : "on"}`).toBe(401);
      expect(stranger?.body).toEqual(UNAUTHENTICATED);
      expect(stranger?.headers.get("idempotent-replayed")).toBeNull();
      expect(sent).toHaveLength(1);
      // Nothing written: no step under the key (in any scope), nothing more in the owner's scope.
      expect(await stepsWithKey(key)).toBe(before.steps);
      expect(await scopeCounts(scope)).toEqual(before.owner);
    }
  });

  it("a missing or malformed Authorization header is 401 without a database round trip", async () => {
    const sent = await statementsOf(async () => {
      expect((await callCheckoutApi({ apiKey: null })).status).toBe(401);
      expect((await callCheckoutApi({ apiKey: "short" })).status).toBe(401);
    });
    expect(sent).toEqual([]);
  });

  it("a wrong key is 401 even when the request is malformed too, and nothing is written", async () => {
    const key = randomUUID();
    const cases = [
      { key: "not a valid key!" },
      { key: "" },
      { key, rawBody: "{ not json" },
      { key, body: { items: [], paymentMethod: "pm_card_visa" } },
      { key, body: { items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa", totalCents: 1 } },
    ];
    for (const call of cases) {
      const answer = await callCheckoutApi({ ...call, apiKey: UNKNOWN_KEY });
      expect(answer.status, JSON.stringify(call)).toBe(401);
      expect(answer.body).toEqual(UNAUTHENTICATED);
    }
    expect(await stepsWithKey(key)).toBe(0);
    expect(await db.order.count({ where: { idempotencyKey: key } })).toBe(0);
    expect(await db.idempotencyRecord.count({ where: { key } })).toBe(0);
    // The same malformed requests with a valid key are still the 400s they were.
    const { apiKey } = await createApiClient();
    for (const call of cases) expect((await callCheckoutApi({ ...call, apiKey })).status, JSON.stringify(call)).toBe(400);
  });
});

describe("POST /api/checkout/naive: the API key is checked in its one statement", () => {
  it("an unknown key is 401 and writes nothing; a known one places its order in its own scope", async () => {
    vi.stubEnv("DEMO_UNSAFE_CHECKOUT", "1");
    const post = (apiKey: string) =>
      postNaive(new Request("http://shop.test/api/checkout/naive", { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" }) }));
    const { apiKey, scope } = await createApiClient();
    const unknown = await post(UNKNOWN_KEY);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(UNAUTHENTICATED);
    const known = await post(apiKey);
    expect(known.status).toBe(201);
    const order = await db.order.findFirstOrThrow({ where: { scope } });
    expect(order.apiClientId).toBe(scope.slice("api:".length));
    vi.unstubAllEnvs();
  });
});
