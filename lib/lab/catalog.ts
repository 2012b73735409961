/**
 * The lab's scenarios as a reader meets them: the failure each models, what protects the
 * shopper, and where that protection lives in the code. Client-safe; the runs are in
 * lib/lab/scenarios.ts. test/unit/lab-catalog.test.ts checks every code reference still exists.
 */
export type CodeRef = { file: string; symbol: string; why: string };
export type ScenarioInfo = { id: ScenarioId; title: string; failure: string; protection: string; code: CodeRef[]; e2e: string };

/** How many extra copies the lab's publish storm sends on top of the relay's own. */
export const PUBLISH_STORM_COPIES = 10;

export const SCENARIO_IDS = [
  "double-click",
  "timeout-false-negative",
  "lost-response",
  "reload",
  "two-tabs",
  "webhook-storm",
  "decline-then-retry",
  "crash-after-payment",
  "naive-versus-safe",
  "mailer-crash",
  "relay-dies-after-publish",
  "publish-storm",
  "redis-lock",
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

const CLAIM: CodeRef = { file: "lib/idempotency.ts", symbol: "claim", why: "INSERT … ON CONFLICT DO NOTHING under UNIQUE(scope, key): one request wins, the others see its record" };
const CLAIM_STATEMENT: CodeRef = { file: "lib/checkout/statements/claim-order.ts", symbol: "claimOrder", why: "the hot path's claim: record and order in one statement, all or nothing; a duplicate inserts nothing and goes to the transactional claim" };
const ATTEMPT: CodeRef = { file: "lib/checkout/checkout.ts", symbol: "attempt", why: "look, claim (record and order in one statement), or the transactional claim: replay, 409 and 422 are decided here" };
const RESUME: CodeRef = { file: "lib/checkout/checkout.ts", symbol: "resumeFromOrderCreated", why: "ORDER_CREATED → FINISHED: Stripe with no transaction open, then one statement records everything" };
const STRIPE_KEY: CodeRef = { file: "lib/payments/payment-intents.ts", symbol: "paymentIntentKey", why: "Stripe's key is derived from the order: the same on every retry, unique across the shop" };

export const SCENARIOS: ScenarioInfo[] = [
  {
    id: "double-click",
    title: "Double-click on Pay",
    failure: "Two requests with the same idempotency key arrive 80 ms apart, while the first is still talking to Stripe.",
    protection: "The first request claims the key; the second finds it in flight and gets 409 (the server action waits instead). Retried, it gets the first request's stored answer. One order, one charge.",
    code: [CLAIM, CLAIM_STATEMENT, ATTEMPT, { file: "lib/checkout/checkout.ts", symbol: "checkout", why: "the server action's bounded wait for an in-flight duplicate" }],
    e2e: "e2e/02-double-click.spec.ts",
  },
  {
    id: "timeout-false-negative",
    title: "Stripe times out, but charged",
    failure: "Stripe charges the card, then its answer arrives after the shop's timeout — on the first try and on the SDK's retry. The shop cannot know whether the shopper paid.",
    protection: "The outcome is “unknown”, never “failed”: the order stays pending at ORDER_CREATED and the lock is released. Paying again sends Stripe the same derived key; Stripe replays the first charge instead of making a second.",
    code: [RESUME, STRIPE_KEY, { file: "lib/payments/payment-intents.ts", symbol: "classifyError", why: "a timeout is an unknown outcome, not a decline" }, { file: "lib/checkout/responses.ts", symbol: "outcomeUnknown", why: "503: “paying again is safe”" }],
    e2e: "e2e/03-timeout-false-negative.spec.ts",
  },
  {
    id: "lost-response",
    title: "The answer is lost on the way back",
    failure: "The shop charges and records the order, but the connection drops before the answer reaches the shopper.",
    protection: "The retry carries the same key; the record is FINISHED, so the stored answer is replayed: no order, charge or Stripe call is made again.",
    code: [CLAIM, { file: "lib/idempotency.ts", symbol: "complete", why: "stores the answer every retry replays" }, { file: "components/checkout/pending-submission.ts", symbol: "rememberSubmission", why: "the page remembers a payment in flight, so it can offer “check / retry”" }],
    e2e: "e2e/04-lost-response.spec.ts",
  },
  {
    id: "reload",
    title: "Reload while paying",
    failure: "The shopper reloads the page while the payment is still in flight; the first request's answer has nowhere to go.",
    protection: "The key lives in localStorage, so the reloaded page asks again with it: 409 while the first request runs, then its stored answer.",
    code: [{ file: "components/checkout/use-checkout-key.ts", symbol: "useCheckoutKey", why: "crypto.randomUUID() kept in localStorage per cart version" }, CLAIM, ATTEMPT],
    e2e: "e2e/05-reload-and-two-tabs.spec.ts",
  },
  {
    id: "two-tabs",
    title: "Two tabs, one cart",
    failure: "The checkout is open in two tabs. The shopper pays in tab A, then — forgetting — in tab B.",
    protection: "Both tabs read the same key from localStorage, so tab B's request is a replay of tab A's. (Tabs that minted different keys still meet UNIQUE(cartId, cartVersion) on the order.)",
    code: [{ file: "components/checkout/use-checkout-key.ts", symbol: "useCheckoutKey", why: "one key per cart version, shared by every tab" }, { file: "lib/checkout/create-order.ts", symbol: "createOrFindOrder", why: "one order per key and per cart version" }],
    e2e: "e2e/05-reload-and-two-tabs.spec.ts",
  },
  {
    id: "webhook-storm",
    title: "Webhook storm",
    failure: "A bank debit settles later. Every webhook about it is delivered 5 times at once, shuffled, with a stale “payment failed” snapshot mixed in.",
    protection: "Each event id is inserted in the same transaction as its effect: one delivery applies, the others are duplicates. Transitions only move forward, and a failure is believed only if the PaymentIntent still says so.",
    code: [{ file: "lib/webhooks.ts", symbol: "handleStripeWebhook", why: "signature, event-id dedupe and effect in one transaction" }, { file: "lib/checkout/statements/settle-order.ts", symbol: "settleOrderStatement", why: "forward-only conditional UPDATE; UNIQUE(order, kind): one confirmation" }],
    e2e: "e2e/06-webhook-redelivery.spec.ts",
  },
  {
    id: "decline-then-retry",
    title: "Declined, then another card",
    failure: "The card is declined. The client retries with the same key but a different card, then with a new key.",
    protection: "The request fingerprint is stored with the key: the same key with another card is a different request (422, nothing done). A new attempt needs a new key, and is a new order.",
    code: [{ file: "lib/idempotency.ts", symbol: "fingerprint", why: "a stable hash of what the request means" }, CLAIM, { file: "lib/checkout/responses.ts", symbol: "mismatch", why: "422 idempotency_key_reused" }],
    e2e: "e2e/07-changed-cart.spec.ts, e2e/08-declined-card.spec.ts",
  },
  {
    id: "crash-after-payment",
    title: "Crash right after the charge",
    failure: "The process dies after Stripe charged and before anything was recorded. Its lock is still on the key.",
    protection: "The record is at ORDER_CREATED. Retries get 409 while the lock is fresh; once it is stale a retry takes it over (compare-and-set), resumes at ORDER_CREATED and asks Stripe again under the same key: Stripe replays the charge.",
    code: [{ file: "lib/idempotency.ts", symbol: "takeOver", why: "compare-and-set on lockedAt: exactly one contender wins" }, RESUME, { file: "lib/completer.ts", symbol: "completeStuckCheckouts", why: "finishes abandoned checkouts without any retry" }],
    e2e: "e2e/09-crash-after-payment.spec.ts",
  },
  {
    id: "naive-versus-safe",
    title: "Naive versus safe",
    failure: "The same burst of 5 requests goes to a checkout without idempotency (no key, no claim, no Stripe key) and to the real one.",
    protection: "The naive checkout makes an order and a charge per request. The real one: one order, one charge, one confirmation.",
    code: [{ file: "lib/checkout/naive.ts", symbol: "naiveCheckout", why: "what many shops start with" }, ATTEMPT, STRIPE_KEY],
    e2e: "e2e/10-naive-versus-safe.spec.ts",
  },
  {
    id: "mailer-crash",
    title: "The mailer crashes before acknowledging",
    failure: "The order is paid and its confirmation handed to the mailer. The mailer writes the email and commits, then dies before acknowledging it, so the message is handed over again (in process the relay sends it again; with AMQP_URL the mailer process drops its RabbitMQ connection without the ack, and the broker redelivers it once the mailer has reconnected).",
    protection: "The consumer records the message id in the same transaction as the email. The second delivery finds it, is counted and skipped: one email. (The mailer process SIGKILLed on the real RabbitMQ: mailer/test/broker.test.ts.)",
    code: [
      { file: "lib/mail/consume.ts", symbol: "consumeMessage", why: "processed-message row and mailbox entry in one transaction; a redelivery is skipped" },
      { file: "lib/mail/relay.ts", symbol: "relayPending", why: "marks the row sent only after the hand-over: a crash before means a second delivery" },
      { file: "mailer/mailer.ts", symbol: "startMailer", why: "with RabbitMQ: manual ack after the commit" },
    ],
    e2e: "e2e/11-lab.spec.ts, mailer/test/broker.test.ts",
  },
  {
    id: "relay-dies-after-publish",
    title: "The relay dies after publishing, before marking the row sent",
    failure:
      "The relay hands the confirmation over (here to the consumer in process; with AMQP_URL to RabbitMQ, which confirms it), then dies before marking its outbox row sent. The row still holds the dead relay's lease; when the lease runs out a relay claims it again and publishes it a second time. (A broker connection dropped mid-stream has no in-process counterpart — there is no connection to drop — so the lab does not pretend to: mailer/test/broker.test.ts cuts a real RabbitMQ connection through a TCP proxy.)",
    protection:
      "Publishing twice is allowed; emailing twice is not. The second copy reaches the same consumer, which finds the message id in ProcessedMessage, counts the delivery and skips it: one email. The row is marked sent by the pass that published it again.",
    code: [
      { file: "lib/mail/relay.ts", symbol: "relayPending", why: "publish, then mark sent in a separate step: a relay that dies in between publishes again" },
      { file: "lib/mail/relay.ts", symbol: "claimBatch", why: "the lease: a dead relay's rows come back once it runs out" },
      { file: "lib/mail/consume.ts", symbol: "consumeMessage", why: "the second copy is recognised and skipped" },
    ],
    e2e: "e2e/11-lab.spec.ts, mailer/test/broker.test.ts",
  },
  {
    id: "publish-storm",
    title: "A duplicate publish storm",
    failure:
      `The order's confirmation is published many times at once (a publisher retrying blindly, several relays, a replayed batch): the relay's own copy and ${PUBLISH_STORM_COPIES} more from the lab, all racing to the consumer (in process; with AMQP_URL through RabbitMQ to the mailer).`,
    protection:
      "Each copy runs the consumer's transaction: the processed-message upsert lets exactly one write the mailbox entry; on PostgreSQL a concurrent copy waits on the first one's uncommitted row, then counts itself a duplicate. Every delivery is counted (in the timeline, /admin and the metrics), one email.",
    code: [
      { file: "lib/mail/consume.ts", symbol: "consumeMessage", why: "INSERT … ON CONFLICT counts deliveries: only the first writes the mailbox entry" },
      { file: "lib/mail/status.ts", symbol: "mailStatus", why: "duplicates skipped, as /admin shows them" },
    ],
    e2e: "e2e/11-lab.spec.ts, mailer/test/broker.test.ts",
  },
  {
    id: "redis-lock",
    title: "Redis lock versus database claim",
    failure:
      "The seeds' recipe: GET the key in Redis (found: replay), SET a lock NX with a TTL, process, store the result for 24 h. Three ways Redis forgets: the lock's TTL runs out while Stripe is slow; Redis is restarted (or flushed) between two clicks; the process dies between the charge and storing the result.",
    protection:
      "The shop's claim is a database row written in the order's own transaction, with the order's recovery point and a Stripe key derived from the order: nothing expires while a request runs (a stale lock is taken over by compare-and-set and resumes the same order), nothing is lost with a cache, and a crash after the charge resumes instead of charging again. Redis stays useful in front of the database: a short dedupe window, rate limits — never the only record.",
    code: [
      { file: "lib/lab/redis-guard.ts", symbol: "redisGuardedCheckout", why: "the Redis recipe, as the seeds write it" },
      CLAIM,
      { file: "lib/idempotency.ts", symbol: "takeOver", why: "a stale lock is taken over and resumed, never simply forgotten" },
      STRIPE_KEY,
    ],
    e2e: "e2e/11-lab.spec.ts",
  },
];

export function findScenario(id: string): ScenarioInfo | undefined {
  return SCENARIOS.find((scenario) => scenario.id === id);
}
