import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { type App, resetApp, storedSubject } from "./app.ts";
import { settle } from "./confirmation.ts";
import { ApiError, apiError, found, invalidRequest, resourceMissing } from "./errors.ts";
import { FaultRuleInput } from "./faults.ts";
import { type FormObject, parseForm } from "./form.ts";
import { send } from "./http.ts";
import { type Match, matchFromQuery, matches } from "./matching.ts";
import { type PathParams, router } from "./router.ts";
import type { RuleSet } from "./rules.ts";
import { SearchDelayInput } from "./search-index.ts";
import { injectEvent, STALE_EVENT_TYPES } from "./stale-events.ts";
import { computeStats } from "./stats.ts";
import { DeliveryPlanSchema, WebhookRuleInput } from "./webhooks.ts";

const ms = z.number().int().nonnegative();
const ConfigInput = z.strictObject({
  webhookUrl: z.url().nullable().optional(),
  webhookSecret: z.string().min(1).optional(),
  idempotencyTtlMs: ms.optional(),
  webhookRetryBaseMs: ms.optional(),
  webhookMaxAttempts: z.number().int().positive().optional(),
  webhookTimeoutMs: ms.optional(),
  asyncSettleDelayMs: ms.optional(),
});
const InjectInput = DeliveryPlanSchema.extend({
  type: z.enum(STALE_EVENT_TYPES),
  paymentIntent: z.string(),
  /** Seconds added to `created`; negative makes the event look old. */
  createdOffsetSec: z.number().int().optional(),
  deliver: z.boolean().default(true),
});
const SettleInput = z.strictObject({ outcome: z.enum(["succeeded", "failed"]).optional() });

interface Input {
  app: App;
  body: unknown;
  query: FormObject;
  pathParams: PathParams;
}

interface TestRoute {
  method: "GET" | "POST" | "DELETE";
  path: string;
  handle(input: Input): unknown;
}

function requireWebhookUrl(app: App): void {
  if (!app.config.webhookUrl) throw invalidRequest("No webhookUrl is configured; set one with POST /_test/config.", "webhookUrl");
}

function deleted(removed: boolean, kind: string, id: string): { deleted: number } {
  if (!removed) throw resourceMissing(kind, id);
  return { deleted: 1 };
}

/** POST adds a rule, GET lists them, DELETE removes all or one. */
function ruleRoutes<R extends { id: string }>(path: string, kind: string, rules: (app: App) => RuleSet<R>, add: (app: App, body: unknown) => R): TestRoute[] {
  return [
    { method: "POST", path, handle: ({ app, body }) => add(app, body) },
    { method: "GET", path, handle: ({ app }) => ({ data: rules(app).list() }) },
    { method: "DELETE", path, handle: ({ app }) => ({ deleted: rules(app).clear() }) },
    { method: "DELETE", path: `${path}/:id`, handle: ({ app, pathParams: { id = "" } }) => deleted(rules(app).remove(id), kind, id) },
  ];
}

function paymentIntents(app: App, match: Match) {
  return [...app.store.paymentIntents.values()].filter((pi) => matches(match, storedSubject(app, pi)));
}

const routes: TestRoute[] = [
  { method: "GET", path: "/_test/config", handle: ({ app }) => app.config },
  { method: "POST", path: "/_test/config", handle: ({ app, body }) => Object.assign(app.config, ConfigInput.parse(body)) },
  {
    method: "POST",
    path: "/_test/reset",
    handle: ({ app }) => {
      resetApp(app);
      return { reset: true };
    },
  },

  ...ruleRoutes("/_test/faults", "fault", (app) => app.faults.rules, (app, body) => app.faults.add(FaultRuleInput.parse(body))),
  ...ruleRoutes("/_test/webhooks", "webhook rule", (app) => app.webhooks.rules, (app, body) => app.webhooks.addRule(WebhookRuleInput.parse(body))),

  {
    method: "POST",
    path: "/_test/events",
    handle: ({ app, body }) => {
      const { type, paymentIntent, createdOffsetSec, deliver, ...plan } = InjectInput.parse(body);
      if (deliver) requireWebhookUrl(app);
      const event = injectEvent(app, { type, paymentIntent, createdOffsetSec });
      if (deliver) app.webhooks.deliver([event], plan);
      return event;
    },
  },
  {
    method: "POST",
    path: "/_test/events/:id/redeliver",
    handle: ({ app, body, pathParams: { id = "" } }) => {
      const plan = DeliveryPlanSchema.parse(body);
      const event = found(app.events.get(id), "event", id);
      requireWebhookUrl(app);
      app.webhooks.deliver([event], plan);
      return { event: event.id, deliveries: plan.copies };
    },
  },

  ...ruleRoutes("/_test/search_delays", "search delay", (app) => app.search.rules, (app, body) => app.search.addRule(SearchDelayInput.parse(body))),

  { method: "GET", path: "/_test/payment_intents", handle: ({ app, query }) => ({ data: paymentIntents(app, matchFromQuery(query)) }) },
  {
    method: "POST",
    path: "/_test/payment_intents/:id/settle",
    handle: ({ app, body, pathParams: { id = "" } }) => {
      const { outcome } = SettleInput.parse(body);
      return found(settle(app, id, outcome), "payment_intent", id);
    },
  },
  {
    method: "GET",
    path: "/_test/ledger",
    // Everything the account holds, oldest first: for checkers that judge a run from the provider's side.
    handle: ({ app }) => ({
      paymentIntents: [...app.store.paymentIntents.values()],
      charges: [...app.store.charges.values()],
      refunds: [...app.store.refunds.values()],
      events: app.events.chronological(),
    }),
  },
  { method: "GET", path: "/_test/stats", handle: ({ app, query }) => computeStats(app, matchFromQuery(query)) },
];

const route = router(routes);

function parseJson(body: string): unknown {
  if (body.trim() === "") return {};
  try {
    return JSON.parse(body);
  } catch {
    throw invalidRequest("The /_test/ API takes a JSON body.");
  }
}

/** The control API for tests: JSON in, JSON out, errors in Stripe's envelope. */
export async function handleTestApi(app: App, req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
  let status = 200;
  let result: unknown;
  try {
    const { route: handler, pathParams } = route(req.method ?? "GET", url.pathname);
    result = await handler.handle({ app, body: parseJson(body), query: parseForm(url.search.slice(1)), pathParams });
  } catch (error) {
    if (!(error instanceof ApiError || error instanceof z.ZodError)) app.logger.error({ err: error }, "test API crashed");
    const e =
      error instanceof ApiError ? error
      : error instanceof z.ZodError ? invalidRequest(z.prettifyError(error))
      : apiError(String(error));
    status = e.status;
    result = e.body;
  }
  send(res, status, JSON.stringify(result, null, 2));
}
