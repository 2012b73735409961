import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GET as getMetrics } from "@/app/api/metrics/route.ts";
import { callCheckoutApi, createApiClient } from "../setup/fixtures.ts";

/** Reads one sample of GET /api/metrics (Prometheus text format). */
async function sample(name: string, labels: string): Promise<number> {
  const text = await (await getMetrics()).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

const checkouts = (outcome: string) => sample("checkout_requests_total", `entry="api",outcome="${outcome}"`);

describe("GET /api/metrics", () => {
  it("counts new checkouts, replays, conflicts and key reuse with another payload", async () => {
    const before = { fresh: await checkouts("new"), replayed: await checkouts("replayed"), conflict: await checkouts("conflict"), mismatch: await checkouts("mismatch") };
    const { apiKey } = await createApiClient();
    const key = randomUUID();
    const body = { items: [{ slug: "dot-grid-notebook", quantity: 1 }], paymentMethod: "pm_card_visa" };

    const storm = await Promise.all(Array.from({ length: 6 }, () => callCheckoutApi({ key, apiKey, body })));
    const conflicts = storm.filter((answer) => answer.status === 409).length;
    await callCheckoutApi({ key, apiKey, body });
    await callCheckoutApi({ key, apiKey, body: { ...body, paymentMethod: "pm_card_chargeDeclined" } });

    expect(await checkouts("new")).toBe(before.fresh + 1);
    expect(await checkouts("conflict")).toBe(before.conflict + conflicts);
    expect(await checkouts("replayed")).toBe(before.replayed + (6 - 1 - conflicts) + 1);
    expect(await checkouts("mismatch")).toBe(before.mismatch + 1);
    expect(await sample("stripe_calls_total", 'operation="payment_intents.create",result="succeeded",replayed="false"')).toBeGreaterThanOrEqual(1);
  });
});
