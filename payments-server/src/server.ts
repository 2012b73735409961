import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { handleApi } from "./api.ts";
import type { App } from "./app.ts";
import { ApiError, invalidRequest } from "./errors.ts";
import { readBody, send, stripeJson } from "./http.ts";
import { newId } from "./ids.ts";
import { handleTestApi } from "./test-api.ts";

async function handle(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    const e = error instanceof ApiError ? error : invalidRequest("Could not read the request body.");
    return send(res, e.status, stripeJson(e.body), { "Request-Id": newId("req", 14), Connection: "close" });
  }
  if (url.pathname.startsWith("/v1/")) return handleApi(app, req, res, url, body);
  // The control API does not exist unless enabled: a production-like server must not expose fault injection.
  if (app.testApi && url.pathname.startsWith("/_test/")) return handleTestApi(app, req, res, url, body);
  if (url.pathname === "/healthz") return send(res, 200, stripeJson({ ok: true }));
  const notFound = invalidRequest(`Unrecognized request URL (${req.method}: ${url.pathname}).`, undefined, undefined, 404);
  send(res, 404, stripeJson(notFound.body), { "Request-Id": newId("req", 14) });
}

export function createHttpServer(app: App): Server {
  return createServer((req, res) => {
    handle(app, req, res).catch((error: unknown) => {
      app.logger.error({ err: error }, "request failed");
      if (!res.headersSent) send(res, 500, stripeJson({ error: { type: "api_error", message: "Internal error." } }));
      else res.destroy();
    });
  });
}
