import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import Stripe from "stripe";
import { demoApiKey } from "./support/demo-api-key.ts";
import { postWithoutEnd } from "./support/unending-post.ts";
import { expect, test } from "./fixtures.ts";

// The shop's defaults (REQUEST_BODY_LIMIT_BYTES, WEBHOOK_BODY_LIMIT_BYTES): the e2e shop sets neither.
const API_CAP = 64 * 1024;
const WEBHOOK_CAP = 1024 * 1024;
const baseURL = process.env.E2E_BASE_URL!;
const metricsToken = process.env.E2E_METRICS_TOKEN!;

/** The production build's id for a server action (what the browser sends as `Next-Action`). */
function actionId(name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(process.env.NEXT_DIST_DIR ?? ".next", "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { exportedName: string }>;
  };
  const id = Object.entries(manifest.node).find(([, action]) => action.exportedName === name)?.[0];
  if (!id) throw new Error(`no server action ${name} in the build`);
  return id;
}

async function bodiesRefused(request: APIRequestContext, route: string): Promise<number> {
  const text = await (await request.get("/api/metrics", { headers: { authorization: `Bearer ${metricsToken}` } })).text();
  const line = text.split("\n").find((row) => row.startsWith(`http_body_too_large_total{route="${route}"} `));
  return line ? Number(line.split(" ").pop()) : 0;
}

const tooLarge = (cap: number) => ({ error: { type: "invalid_request_error", code: "body_too_large", message: `The body is larger than ${cap} bytes` } });

// Serial: each test reads a shop-wide counter before and after.
test.describe.configure({ mode: "serial" });

test.describe("Hostile requests", () => {
  test("an oversize checkout body gets 413 while the client is still sending, chunked or declared, and nothing is written", async ({ request }) => {
    const before = await bodiesRefused(request, "api");
    const key = randomUUID();
    const headers = { authorization: `Bearer ${demoApiKey()}`, "idempotency-key": key, "content-type": "application/json" };
    const prefix = '{"items":[{"slug":"stoneware-mug","quantity":1}],"paymentMethod":"pm_card_visa","padding":"';

    const streamed = await postWithoutEnd(`${baseURL}/api/checkout`, { headers, prefix, sendAtLeast: API_CAP + 64 * 1024 });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual(tooLarge(API_CAP));
    expect(streamed.headers.connection).toBe("close");

    // A declared length over the cap is refused before a byte of the body is read.
    const declared = await postWithoutEnd(`${baseURL}/api/checkout`, { headers, prefix, sendAtLeast: 1, declaredLength: 100 * 1024 * 1024 });
    expect(declared.status).toBe(413);
    expect(declared.bytesSent).toBeLessThan(API_CAP);

    expect(await bodiesRefused(request, "api")).toBe(before + 2);
    // Refused before the key was claimed: the same key with a proper body is a new checkout.
    const proper = await request.post("/api/checkout", { headers, data: { items: [{ slug: "stoneware-mug", quantity: 1 }], paymentMethod: "pm_card_visa" } });
    expect(proper.status()).toBe(201);
    expect(proper.headers()["idempotent-replayed"]).toBeUndefined();
  });

  test("an oversize webhook gets 413 before its signature is even looked at; a signed one split across many packets is verified on its exact bytes", async ({ request }) => {
    const before = await bodiesRefused(request, "webhook");
    const unsigned = await postWithoutEnd(`${baseURL}/api/webhooks/stripe`, { headers: { "content-type": "application/json" }, prefix: '{"id":"evt_', sendAtLeast: WEBHOOK_CAP + 64 * 1024 });
    expect(unsigned.status).toBe(413);
    expect(JSON.parse(unsigned.body)).toEqual(tooLarge(WEBHOOK_CAP));
    expect(await bodiesRefused(request, "webhook")).toBe(before + 1);

    // Multi-byte characters cut between packets: decoded chunk by chunk they would not verify.
    const event = { id: `evt_${randomUUID().replaceAll("-", "")}`, object: "event", type: "customer.updated", livemode: false, data: { object: { id: "cus_x", description: "café ☕ — déjà vu 🫖".repeat(20) } } };
    const payload = Buffer.from(JSON.stringify(event));
    const sdk = new Stripe("sk_test_local_development");
    const signature = sdk.webhooks.generateTestHeaderString({ payload: payload.toString("utf8"), secret: process.env.E2E_WEBHOOK_SECRET! });
    const deliver = (body: Buffer) => postInPieces(`${baseURL}/api/webhooks/stripe`, body, { "content-type": "application/json", "stripe-signature": signature });
    expect(await deliver(payload)).toMatchObject({ status: 200, body: { received: true } });
    const tampered = Buffer.from(payload);
    const inCup = payload.indexOf("☕") + 1;
    tampered.writeUInt8(tampered.readUInt8(inCup) ^ 1, inCup);
    expect((await deliver(tampered)).status).toBe(400);
  });

  test("an oversize server action is refused at the cap while the client is still sending (Next answers the action with its error)", async ({ request }) => {
    const before = await bodiesRefused(request, "action");
    const boundary = "----hostile";
    const answer = await postWithoutEnd(`${baseURL}/checkout`, {
      headers: { "next-action": actionId("placeOrder"), origin: baseURL, accept: "text/x-component", "content-type": `multipart/form-data; boundary=${boundary}` },
      prefix: `--${boundary}\r\nContent-Disposition: form-data; name="1_idempotencyKey"\r\n\r\n`,
      sendAtLeast: API_CAP + 64 * 1024,
    });
    // Next 16 stops reading at serverActions.bodySizeLimit and throws a 413 error, which it sends
    // to the action's caller as a 500 (app-render/action-handler.js); the shop counts it as a 413.
    expect(answer.status).toBe(500);
    expect(await bodiesRefused(request, "action")).toBe(before + 1);
  });

  test("the lab's source viewer looks a symbol up as text: a pattern is refused, a name is found", async ({ request }) => {
    const source = (symbol: string) => request.get(`/lab/source?${new URLSearchParams({ file: "lib/idempotency.ts", symbol })}`);
    for (const hostile of ["(a+)+$", ".*", "claim\\b|x", "("]) expect((await source(hostile)).status(), hostile).toBe(404);
    const found = await source("claim");
    expect(found.status()).toBe(200);
    expect(await found.text()).toContain("Lines ");
  });

  test("/api/metrics in a production build answers only to its token", async ({ request }) => {
    expect((await request.get("/api/metrics")).status()).toBe(401);
    expect((await request.get("/api/metrics", { headers: { authorization: "Bearer not-the-metrics-token" } })).status()).toBe(401);
    const granted = await request.get("/api/metrics", { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(granted.status()).toBe(200);
    expect(await granted.text()).toContain("checkout_requests_total");
  });
});

/** Sends a body a few bytes at a time, pausing between pieces, so that it arrives in many packets. */
async function postInPieces(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { ...headers, "content-length": String(body.length) } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    request.on("error", reject);
    void (async () => {
      for (let offset = 0; offset < body.length; offset += 7) {
        request.write(body.subarray(offset, offset + 7));
        await new Promise((done) => setTimeout(done, 2));
      }
      request.end();
    })();
  });
}
