import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { POST as postCheckout } from "@/app/api/checkout/route.ts";
import { checkout } from "@/lib/checkout/checkout.ts";
import { db } from "@/lib/db.ts";
import { createApiClient, createCart, fromCart } from "../setup/fixtures.ts";

/** POST /api/checkout through its route handler, answered as raw bytes. */
async function post(apiKey: string, key: string, body: unknown) {
  const response = await postCheckout(
    new Request("http://shop.test/api/checkout", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, "idempotency-key": key },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, replayed: response.headers.get("idempotent-replayed"), contentType: response.headers.get("content-type"), bytes: Buffer.from(await response.arrayBuffer()) };
}

const order = (paymentMethod: string) => ({ items: [{ slug: "stoneware-mug", quantity: 2 }, { slug: "brass-scoop", quantity: 1 }], paymentMethod });

describe("a replay over HTTP is byte-identical to the first answer", () => {
  it.each([
    ["a paid order (201)", "pm_card_visa", 201],
    ["a declined card (402)", "pm_card_chargeDeclinedInsufficientFunds", 402],
  ])("%s", async (_name, paymentMethod, status) => {
    const { apiKey } = await createApiClient();
    const key = randomUUID();
    const first = await post(apiKey, key, order(paymentMethod));
    expect(first.status).toBe(status);
    expect(first.replayed).toBeNull();

    for (let i = 0; i < 2; i++) {
      const replay = await post(apiKey, key, order(paymentMethod));
      expect(replay.status).toBe(status);
      expect(replay.replayed).toBe("true");
      expect(replay.contentType).toBe(first.contentType);
      expect(replay.bytes.toString("utf8")).toBe(first.bytes.toString("utf8"));
      expect(replay.bytes.equals(first.bytes)).toBe(true);
    }
    // What is stored is those bytes themselves.
    const record = await db.idempotencyRecord.findFirstOrThrow({ where: { key } });
    expect(record.responseText).toBe(first.bytes.toString("utf8"));
  });

  it("an answer stored as jsonb before the bytes were kept is still replayed from it until it expires", async () => {
    const { apiKey } = await createApiClient();
    const key = randomUUID();
    const first = await post(apiKey, key, order("pm_card_visa"));
    // The record as a version of the shop before responseText would have left it.
    await db.$executeRaw`UPDATE "IdempotencyRecord" SET "responseBody" = "responseText"::jsonb, "responseText" = NULL WHERE key = ${key}`;
    expect(await db.idempotencyRecord.findFirstOrThrow({ where: { key } })).toMatchObject({ responseText: null, responseBody: expect.anything() });

    const replay = await post(apiKey, key, order("pm_card_visa"));
    expect(replay.status).toBe(201);
    expect(replay.replayed).toBe("true");
    expect(JSON.parse(replay.bytes.toString("utf8"))).toEqual(JSON.parse(first.bytes.toString("utf8")));
    // Nothing was charged or written again.
    expect(await db.order.count({ where: { idempotencyKey: key } })).toBe(1);
  });

  it("the server action's replay is the first answer's object, keys in the same order", async () => {
    // The action returns objects, not bytes (React serialises them): the replayed body is parsed
    // from the stored bytes, so it serialises exactly as the first answer did.
    const cart = await createCart();
    const key = randomUUID();
    const first = await checkout(fromCart(cart, key));
    const replay = await checkout(fromCart(cart, key));
    expect(replay.replayed).toBe(true);
    expect(JSON.stringify(replay.body)).toBe(JSON.stringify(first.body));
  });
});
