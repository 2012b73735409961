import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { z } from "zod";

/**
 * Calls the shop's server actions over HTTP the way the browser's router does: POST to the page
 * with `Next-Action: <id>`, arguments encoded by React's own Flight client (`encodeReply`), the
 * answer decoded by it (`createFromReadableStream`). Action ids come from the build's
 * server-reference manifest, so the driver always matches the build it drives.
 */
const require = createRequire(import.meta.url);
const flight = require("next/dist/compiled/react-server-dom-webpack/client.edge") as {
  encodeReply: (value: unknown) => Promise<string | FormData>;
  createFromReadableStream: (stream: ReadableStream, options: unknown) => Promise<Record<string, unknown>>;
};

// A revalidating action answers with the re-rendered page too; its client components are never
// rendered here, so every module reference resolves to an inert stub.
const consumerManifest = { serverConsumerManifest: { moduleMap: new Proxy({}, { get: (_target, id) => ({ "*": { id, chunks: [], name: "*" } }) }), serverModuleMap: null, moduleLoading: null } };

const Manifest = z.object({ node: z.record(z.string(), z.object({ exportedName: z.string().optional(), workers: z.record(z.string(), z.unknown()) })) });

export type ActionName = "addToCart" | "setQuantity" | "placeOrder" | "refundMyOrder";
/** The page each action belongs to (the worker that runs it). */
const PAGES: Record<ActionName, { worker: string; path: (arg?: string) => string }> = {
  addToCart: { worker: "app/page", path: () => "/" },
  setQuantity: { worker: "app/cart/page", path: () => "/cart" },
  placeOrder: { worker: "app/checkout/page", path: () => "/checkout" },
  refundMyOrder: { worker: "app/orders/[id]/page", path: (id) => `/orders/${id}` },
};

export class ServerActions {
  private readonly ids: Record<ActionName, string>;

  constructor(distDir = ".next") {
    const manifest = Manifest.parse(JSON.parse(readFileSync(path.join(distDir, "server", "server-reference-manifest.json"), "utf8")));
    const find = (name: ActionName) => {
      const entry = Object.entries(manifest.node).find(([, action]) => action.exportedName === name && PAGES[name].worker in action.workers);
      if (!entry) throw new Error(`The build has no server action ${name} on ${PAGES[name].worker}: rebuild (npm run build)`);
      return entry[0];
    };
    this.ids = { addToCart: find("addToCart"), setQuantity: find("setQuantity"), placeOrder: find("placeOrder"), refundMyOrder: find("refundMyOrder") };
  }

  /** The URL path and request init for one call; `origin` must be the address the request is sent to (Next compares it with Host). */
  async request(name: ActionName, args: unknown[], origin: string, cookie: string | null, pathArg?: string): Promise<{ path: string; init: RequestInit }> {
    const body = await flight.encodeReply(args);
    const headers: Record<string, string> = { "Next-Action": this.ids[name], Accept: "text/x-component", Origin: origin };
    if (typeof body === "string") headers["Content-Type"] = "text/plain;charset=UTF-8";
    if (cookie) headers.Cookie = cookie;
    return { path: PAGES[name].path(pathArg), init: { method: "POST", headers, body } };
  }

  /** The action's return value, or its redirect (an order page, for placeOrder). */
  async decode(status: number, headers: Headers, text: string): Promise<{ redirect: string } | { value: unknown }> {
    const redirect = headers.get("x-action-redirect");
    if (redirect) return { redirect: redirect.split(";")[0]! };
    if (status !== 200) throw new Error(`server action answered ${status}`);
    const root = await flight.createFromReadableStream(new Response(text).body!, consumerManifest);
    return { value: await root.a };
  }
}

/** `cart_session=…` from a Set-Cookie, the only cookie the shop sets. */
export function sessionCookie(headers: Headers | null): string | null {
  for (const cookie of headers?.getSetCookie() ?? []) {
    const pair = cookie.split(";")[0]!;
    if (pair.startsWith("cart_session=")) return pair;
  }
  return null;
}
