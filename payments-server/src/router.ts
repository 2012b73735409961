import type { App, Execution } from "./app.ts";
import { invalidRequest } from "./errors.ts";
import type { FormObject } from "./form.ts";
import type { PaymentIntent } from "./objects.ts";
import type { Params } from "./params.ts";

export type PathParams = Record<string, string>;

/**
 * A Stripe API endpoint in two phases, because Stripe saves an idempotent result only once an endpoint starts
 * executing: `prepare` validates (its errors save nothing, the request may be retried), `execute` changes state
 * (whatever it returns or throws is saved and replayed).
 */
export interface Endpoint<P = unknown> {
  method: "GET" | "POST";
  path: string;
  /** The PaymentIntent a request concerns, so faults and stats can match on the metadata the shop put on it. */
  paymentIntentOf?(raw: FormObject, pathParams: PathParams, app: App): PaymentIntent | undefined;
  prepare(params: Params, pathParams: PathParams, app: App): P;
  /** Returns the 200 body; throws ApiError for any other answer. */
  execute(prepared: P, exec: Execution): unknown;
}

export function defineEndpoint<P>(endpoint: Endpoint<P>): Endpoint<P> {
  return endpoint;
}

/** `/v1/payment_intents/:id/confirm` → a matcher returning `{ id }`. */
export function compilePath(pattern: string): (path: string) => PathParams | undefined {
  const names: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  const regex = new RegExp(`^${source}/?$`);
  return (path) => {
    const m = regex.exec(path);
    if (!m) return undefined;
    try {
      return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(m[i + 1] ?? "")]));
    } catch {
      return undefined;
    }
  };
}

export interface Routed<E> {
  route: E;
  pathParams: PathParams;
}

/** Routes by method and path; anything else gets Stripe's "Unrecognized request URL" 404. */
export function router<E extends { method: string; path: string }>(routes: E[]): (method: string, path: string) => Routed<E> {
  const compiled = routes.map((route) => ({ route, match: compilePath(route.path) }));
  return (method, path) => {
    for (const { route, match } of compiled) {
      const pathParams = route.method === method ? match(path) : undefined;
      if (pathParams) return { route, pathParams };
    }
    throw invalidRequest(
      `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      undefined,
      undefined,
      404,
    );
  };
}
