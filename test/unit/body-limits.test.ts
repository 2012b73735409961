import { describe, expect, it } from "vitest";
import { readBody, readJson } from "@/lib/http.ts";

/** A request body that offers `chunk` forever and never ends, counting how many chunks were pulled. */
function endlessRequest(chunk: Uint8Array, headers: Record<string, string> = {}) {
  const pulled = { count: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled.count += 1;
      controller.enqueue(chunk);
    },
  });
  const request = new Request("http://shop.test/api/checkout", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  return { request, pulled };
}

describe("request bodies are read up to a cap, never whole", () => {
  it("refuses a body that never ends with 413 at the chunk that crosses the cap, and reads no further", async () => {
    const { request, pulled } = endlessRequest(new Uint8Array(1024));
    const result = await readJson(request, "api", 64 * 1024);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(413);
    expect(await result.response.json()).toEqual({ error: { type: "invalid_request_error", code: "body_too_large", message: "The body is larger than 65536 bytes" } });
    // 65 chunks cross the cap; the stream's own read-ahead may have pulled one or two more.
    expect(pulled.count).toBeLessThanOrEqual(65 + 2);
  });

  it("refuses a declared Content-Length over the cap before reading anything", async () => {
    const { request, pulled } = endlessRequest(new Uint8Array(1024), { "content-length": String(10 * 1024 * 1024) });
    const result = await readBody(request, "webhook", 1024 * 1024);
    expect(result.ok || result.response.status).toBe(413);
    expect(pulled.count).toBeLessThanOrEqual(1);
  });

  it("returns the exact bytes of a body within the cap, however they were split", async () => {
    const bytes = Buffer.from('{"note":"café ☕"}');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 3) controller.enqueue(bytes.subarray(offset, offset + 3));
        controller.close();
      },
    });
    const result = await readBody(new Request("http://shop.test/", { method: "POST", body, duplex: "half" } as RequestInit), "webhook");
    expect(result.ok && result.value.equals(bytes)).toBe(true);
    expect(await readJson(new Request("http://shop.test/", { method: "POST", body: "{oops" }))).toMatchObject({ ok: false, response: { status: 400 } });
  });
});
