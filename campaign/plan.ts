import { CATALOG } from "../prisma/catalog.ts";
import { Random } from "./random.ts";

/**
 * The campaign's plan, drawn from one seed: every shopper, every logical checkout with its
 * behaviour (think time, double-clicks, retries, reloads, second tab, cart edit racing it,
 * abandoned request, refund), the fault armed for it, and the nemesis's kills. The same seed gives
 * the same plan; the interleaving of a run (which request reaches which instance first, when a
 * kill lands) is the machine's, so two runs of one seed differ in timing, not in intent.
 */
export type PlanOptions = {
  seed: number;
  /** Logical checkouts (distinct keys or cart versions) to plan. */
  ops: number;
  instances: number;
  /** Of the logical checkouts, the share made by cart sessions through the server actions. */
  cartShare?: number;
  /** The shop's Stripe timeout: "slow past the timeout" is drawn above it. */
  stripeTimeoutMs: number;
  /** Records expire after this: a late reload beyond it meets a purged key. */
  idempotencyTtlMs: number;
  /** Pause points the instances know (from GET /api/test/pause). */
  pausePoints: readonly string[];
  /** Kills planned at each pause point (default: `defaultKills(ops).perPoint`). */
  killsPerPoint?: number;
  /** Instances SIGKILLed at random moments (default: `defaultKills(ops).random`). */
  randomKills?: number;
  /**
   * A mailer process consumes the broker's queue (the campaign runs with RabbitMQ): it is killed
   * too, `killsPerPoint` times at random moments and as often right after its consumer committed
   * (`mail_after_commit`, before the ack: the broker redelivers).
   */
  mailer?: boolean;
  /** Of the cart checkouts, the share with an edit racing the payment (default 0.15). */
  editRaceShare?: number;
};

export type Item = { slug: string; quantity: number };

export type PaymentsFault =
  | { kind: "unavailable_before"; times: number }
  | { kind: "delay_while_executing"; ms: number; times: number }
  | { kind: "error_while_executing"; times: number }
  | { kind: "delay_after_commit"; ms: number; times: number }
  | { kind: "drop_after_commit"; times: number };
export const PAYMENTS_FAULT_KINDS = ["unavailable_before", "delay_while_executing", "error_while_executing", "delay_after_commit", "drop_after_commit"] as const;

/**
 * How the payments server shapes the webhooks of one checkout. `stale` injects snapshots of states
 * the PaymentIntent could really have been in earlier (a failure; "processing" for a bank debit),
 * delivered with the real ones: never a success Stripe did not see, which no real Stripe sends.
 */
export type WebhookFault = { copies: number; shuffle: boolean; delayMs: number; stale: boolean };
/** How the checker and the report name what a webhook rule did. */
export function webhookFaultKinds(fault: WebhookFault): string[] {
  return [
    ...(fault.copies > 1 ? ["webhook_duplicated"] : []),
    ...(fault.shuffle ? ["webhook_shuffled"] : []),
    ...(fault.delayMs > 0 ? ["webhook_delayed"] : []),
    ...(fault.stale ? ["webhook_stale"] : []),
  ];
}

export type Via = "lb" | "retrying";

export type CheckoutPlan = {
  /** Ordinal of this logical checkout in the plan. */
  n: number;
  items: Item[];
  paymentMethod: string;
  /** The idempotency key (API); cart sessions mint one per cart version like the browser, drawn here. */
  key: string;
  /** The load balancer, or the misconfigured retrying proxy. */
  via: Via;
  thinkMs: number;
  /** Copies of the first submit sent at once (2 = a double-click, more = a burst). */
  clicks: number;
  /** The first copy is abandoned (the client gives up and closes the connection) after this. */
  abandonFirstAfterMs: number | null;
  /** Retries (same key) after no answer, 409, 503 or 5xx, with exponential backoff from this base. */
  retries: number;
  backoffMs: number;
  /** A reload later: the same key sent again after this long (beyond the TTL: a late retry meets the purge). */
  reloadAfterMs: number | null;
  /** Cart only: a second tab pays the same cart version with its own key. */
  secondTab: { key: string; delayMs: number } | null;
  /** Cart only: an edit of the cart sent while the payment is in flight. */
  editRace: { slug: string; quantity: number; delayMs: number } | null;
  paymentsFault: PaymentsFault | null;
  webhookFault: WebhookFault | null;
  /** After a paid answer: a refund, double-clicked on two instances when clicks is 2. */
  refund: { clicks: 1 | 2 } | null;
};

export type ShopperPlan = { id: string; kind: "api" | "cart"; checkouts: CheckoutPlan[] };

/** Fires once `afterCheckouts` logical checkouts have started; the target restarts `restartAfterMs` after it died. */
export type NemesisEvent = { afterCheckouts: number; restartAfterMs: number } & (
  | { kind: "kill"; instance: number }
  | { kind: "pause_kill"; instance: number; point: string }
  | { kind: "mailer_kill" }
  | { kind: "mailer_kill_after_commit" }
);
/** The mailer's pause point: its consumer committed, the broker's delivery not acknowledged yet (in process: the relay's mark not made). */
export const MAILER_POINT = "mail_after_commit";
/** With a broker only: the broker confirmed the relay's publish, the relay's mark not made. */
export const RELAY_POINT = "relay_after_publish";

export type Plan = { seed: number; options: PlanOptions; shoppers: ShopperPlan[]; nemesis: NemesisEvent[]; checkouts: number };

const SLUGS = CATALOG.map((product) => product.slug);
const SUCCEEDS = "pm_card_visa";
const DECLINES = ["pm_card_chargeDeclined", "pm_card_chargeDeclinedInsufficientFunds", "pm_card_chargeDeclinedExpiredCard"];
const DELAYED = ["pm_test_delayed_success", "pm_test_delayed_failure"];

export function makePlan(options: PlanOptions): Plan {
  const root = new Random(options.seed);
  const shopperRandom = root.fork(1);
  const nemesisRandom = root.fork(2);
  // A cart session pays 1–3 times, an API client 1–12 times (2 and 6.5 on average): draw shoppers
  // so that the share of *checkouts* made through carts is cartShare.
  const cartShare = options.cartShare ?? 0.3;
  const cartShopperShare = (cartShare * 6.5) / (cartShare * 6.5 + (1 - cartShare) * 2);
  const shoppers: ShopperPlan[] = [];
  let n = 0;
  while (n < options.ops) {
    const random = shopperRandom;
    const kind = random.chance(cartShopperShare) ? "cart" : "api";
    const id = `${kind}-${shoppers.length + 1}`;
    const count = Math.min(options.ops - n, kind === "cart" ? random.int(1, 3) : random.int(1, 12));
    // Some API clients number their keys (order-1, order-2, …) as naive integrations do: the same
    // key then exists in many scopes, which must never meet.
    const naiveKeys = kind === "api" && random.chance(0.3);
    const checkouts = Array.from({ length: count }, (_, index) => planCheckout(random, options, kind, n + index, naiveKeys ? index + 1 : null));
    shoppers.push({ id, kind, checkouts });
    n += count;
  }
  return { seed: options.seed, options, shoppers, nemesis: planNemesis(nemesisRandom, options), checkouts: n };
}

function planCheckout(random: Random, options: PlanOptions, kind: "api" | "cart", n: number, naiveIndex: number | null): CheckoutPlan {
  // A naive key's request is the same in every scope (its items and card follow from the number),
  // so that a key shared across scopes would be answered from another client's record.
  const items = naiveIndex !== null ? naiveItems(naiveIndex) : drawItems(random);
  const paymentMethod = naiveIndex !== null ? SUCCEEDS : random.weighted([[70, SUCCEEDS], [18, random.pick(DECLINES)], [12, random.pick(DELAYED)]] as const);
  const clicks = random.weighted([[70, 1], [22, 2], [8, random.int(3, 5)]] as const);
  return {
    n,
    items,
    paymentMethod,
    key: naiveIndex !== null ? `order-${naiveIndex}` : random.uuid(),
    via: random.chance(0.2) ? "retrying" : "lb",
    thinkMs: random.int(0, 400),
    clicks,
    abandonFirstAfterMs: random.chance(0.08) ? random.int(50, 1500) : null,
    retries: random.int(2, 6),
    backoffMs: random.int(150, 800),
    reloadAfterMs: random.chance(0.12) ? (random.chance(0.5) ? random.int(500, 4000) : options.idempotencyTtlMs + random.int(1000, 8000)) : null,
    secondTab: kind === "cart" && random.chance(0.15) ? { key: random.uuid(), delayMs: random.int(0, 300) } : null,
    editRace: kind === "cart" && random.chance(options.editRaceShare ?? 0.15) ? { slug: random.pick(SLUGS), quantity: random.int(0, 4), delayMs: random.int(0, 300) } : null,
    paymentsFault: random.chance(0.3) ? drawPaymentsFault(random, options) : null,
    webhookFault: random.chance(0.25) ? drawWebhookFault(random) : null,
    refund: random.chance(0.12) ? { clicks: random.chance(0.6) ? 2 : 1 } : null,
  };
}

function drawItems(random: Random): Item[] {
  const lines = random.int(1, 3);
  const slugs = new Set<string>();
  while (slugs.size < lines) slugs.add(random.pick(SLUGS));
  return [...slugs].map((slug) => ({ slug, quantity: random.int(1, 4) }));
}

function naiveItems(index: number): Item[] {
  return [{ slug: SLUGS[index % SLUGS.length]!, quantity: 1 + (index % 3) }];
}

function drawPaymentsFault(random: Random, options: PlanOptions): PaymentsFault {
  const slow = () => options.stripeTimeoutMs + random.int(300, 2000);
  switch (random.pick(PAYMENTS_FAULT_KINDS)) {
    // Once is healed by the SDK's own retry; more reaches the shop as an unknown outcome.
    case "unavailable_before": return { kind: "unavailable_before", times: random.int(1, 3) };
    case "delay_while_executing": return { kind: "delay_while_executing", ms: random.chance(0.5) ? slow() : random.int(200, 1000), times: 1 };
    case "error_while_executing": return { kind: "error_while_executing", times: 1 };
    case "delay_after_commit": return { kind: "delay_after_commit", ms: slow(), times: random.int(1, 2) };
    case "drop_after_commit": return { kind: "drop_after_commit", times: random.int(1, 3) };
  }
}

function drawWebhookFault(random: Random): WebhookFault {
  return {
    copies: random.chance(0.6) ? random.int(2, 4) : 1,
    shuffle: random.chance(0.5),
    delayMs: random.chance(0.5) ? random.int(200, 4000) : 0,
    stale: random.chance(0.4),
  };
}

/**
 * The kills a plan of `ops` checkouts gets by default. Sized so that the full run (10,000
 * checkouts) kills at every pause point at least 10 times and at random moments at least 50 times
 * even when some armings are never reached (each is tried again twice); a short run still kills
 * at every point.
 */
export function defaultKills(ops: number): { perPoint: number; random: number } {
  return { perPoint: Math.max(2, Math.ceil(ops / 800)), random: Math.max(2, Math.ceil(ops / 180)) };
}

/**
 * Kills spread over the run: at every pause point, and at random moments, in a shuffled order;
 * each on an instance drawn here (the nemesis runs one lane per instance, so kills on different
 * instances overlap), and the mailer's when there is one.
 */
function planNemesis(random: Random, options: PlanOptions): NemesisEvent[] {
  const defaults = defaultKills(options.ops);
  const perPoint = options.killsPerPoint ?? defaults.perPoint;
  const randomKills = options.randomKills ?? defaults.random;
  const times = <T>(n: number, make: () => T) => Array.from({ length: n }, make);
  type Kind = { kind: "kill" } | { kind: "pause_kill"; point: string } | { kind: "mailer_kill" } | { kind: "mailer_kill_after_commit" };
  const kinds: Kind[] = [
    ...options.pausePoints.flatMap((point) => times(perPoint, () => ({ kind: "pause_kill" as const, point }))),
    ...times(randomKills, () => ({ kind: "kill" as const })),
    ...(options.mailer ? [...times(perPoint, () => ({ kind: "mailer_kill" as const })), ...times(perPoint, () => ({ kind: "mailer_kill_after_commit" as const }))] : []),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  // Spread over the first 90% of the checkouts, so the last ones run (and settle) under faults too.
  const span = Math.max(1, Math.floor(options.ops * 0.9));
  return kinds.map((kind, index) => {
    const afterCheckouts = Math.floor(((index + random.int(0, 100) / 100) * span) / kinds.length);
    const instance = random.int(1, options.instances);
    const restartAfterMs = random.int(0, 2000);
    return kind.kind === "kill" || kind.kind === "pause_kill" ? { ...kind, afterCheckouts, instance, restartAfterMs } : { ...kind, afterCheckouts, restartAfterMs };
  });
}

/** What the plan intends, by kind: the report sets it beside what actually struck. */
export function planSummary(plan: Plan) {
  const checkouts = plan.shoppers.flatMap((shopper) => shopper.checkouts.map((checkout) => ({ shopper, checkout })));
  const count = (predicate: (entry: (typeof checkouts)[number]) => boolean) => checkouts.filter(predicate).length;
  return {
    shoppers: { api: plan.shoppers.filter((s) => s.kind === "api").length, cart: plan.shoppers.filter((s) => s.kind === "cart").length },
    checkouts: { api: count((e) => e.shopper.kind === "api"), cart: count((e) => e.shopper.kind === "cart") },
    doubleClicks: count((e) => e.checkout.clicks === 2),
    bursts: count((e) => e.checkout.clicks > 2),
    viaRetryingProxy: count((e) => e.checkout.via === "retrying"),
    abandoned: count((e) => e.checkout.abandonFirstAfterMs !== null),
    reloads: count((e) => e.checkout.reloadAfterMs !== null),
    secondTabs: count((e) => e.checkout.secondTab !== null),
    editRaces: count((e) => e.checkout.editRace !== null),
    refunds: count((e) => e.checkout.refund !== null),
    paymentsFaults: count((e) => e.checkout.paymentsFault !== null),
    webhookFaults: count((e) => e.checkout.webhookFault !== null),
    kills: plan.nemesis.length,
    killsByKind: plannedKills(plan.nemesis),
  };
}

/** The plan's kills by kind, as the report names them: kill_random, kill_at_<point>, mailer_kill_random, mailer_kill_at_mail_after_commit. */
export function plannedKills(events: readonly NemesisEvent[]): Record<string, number> {
  const name = (event: NemesisEvent) => {
    switch (event.kind) {
      case "kill": return "kill_random";
      case "pause_kill": return `kill_at_${event.point}`;
      case "mailer_kill": return "mailer_kill_random";
      case "mailer_kill_after_commit": return `mailer_kill_at_${MAILER_POINT}`;
    }
  };
  return events.reduce<Record<string, number>>((acc, event) => ({ ...acc, [name(event)]: (acc[name(event)] ?? 0) + 1 }), {});
}
