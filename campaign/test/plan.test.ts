import { describe, expect, it } from "vitest";
import { defaultKills, makePlan, planSummary, type PlanOptions } from "../plan.ts";
import { parseOptions, replayCommand } from "../options.ts";

const options = (seed: number, ops = 400): PlanOptions => ({ seed, ops, instances: 3, stripeTimeoutMs: 1500, idempotencyTtlMs: 15_000, pausePoints: ["after_order_created", "after_payment", "after_finished"] });

describe("the campaign's plan", () => {
  it("is the same plan for the same seed, and another for another seed", () => {
    expect(makePlan(options(42))).toEqual(makePlan(options(42)));
    expect(makePlan(options(43)).shoppers).not.toEqual(makePlan(options(42)).shoppers);
  });

  it("plans exactly the checkouts asked for, numbered once each", () => {
    const plan = makePlan(options(7, 1234));
    const ns = plan.shoppers.flatMap((shopper) => shopper.checkouts.map((checkout) => checkout.n));
    expect(ns).toEqual(Array.from({ length: 1234 }, (_, n) => n));
  });

  it("draws every behaviour and fault the campaign promises, and kills at every pause point", () => {
    const plan = makePlan(options(1, 2000));
    const summary = planSummary(plan);
    for (const count of [summary.doubleClicks, summary.bursts, summary.viaRetryingProxy, summary.abandoned, summary.reloads, summary.secondTabs, summary.editRaces, summary.refunds, summary.paymentsFaults, summary.webhookFaults]) expect(count).toBeGreaterThan(20);
    expect(summary.checkouts.cart / 2000).toBeGreaterThan(0.2);
    const kinds = new Set(plan.shoppers.flatMap((s) => s.checkouts.map((c) => c.paymentsFault?.kind)).filter(Boolean));
    expect(kinds).toEqual(new Set(["unavailable_before", "delay_while_executing", "error_while_executing", "delay_after_commit", "drop_after_commit"]));
    for (const point of options(1).pausePoints) expect(plan.nemesis.filter((event) => event.kind === "pause_kill" && event.point === point).length).toBeGreaterThanOrEqual(defaultKills(2000).perPoint);
    expect(plan.nemesis.every((event, index, all) => index === 0 || all[index - 1]!.afterCheckouts <= event.afterCheckouts)).toBe(true);
  });

  it("plans the kills per pause point asked for", () => {
    const plan = makePlan({ ...options(3, 300), killsPerPoint: 11 });
    for (const point of options(3).pausePoints) expect(plan.nemesis.filter((event) => event.kind === "pause_kill" && event.point === point)).toHaveLength(11);
  });

  it("plans, by default, the issue's kills for the full run (10,000 checkouts): at least 10 at every pause point, at least 50 at random moments, and the mailer's", () => {
    // Every pause point the shop has (lib/test-hooks.ts); a run uses mail_after_commit on the instances without a broker, relay_after_publish with one.
    const pausePoints = ["after_order_created", "after_next_attempt", "after_payment", "after_finished", "webhook_verified", "completer_took_over", "after_refund", "mail_after_commit", "relay_after_publish"];
    const plan = makePlan({ ...options(10, 10_000), pausePoints, mailer: true });
    const count = (predicate: (event: (typeof plan.nemesis)[number]) => boolean) => plan.nemesis.filter(predicate).length;
    for (const point of pausePoints) expect(count((event) => event.kind === "pause_kill" && event.point === point), point).toBeGreaterThanOrEqual(10);
    expect(count((event) => event.kind === "kill")).toBeGreaterThanOrEqual(50);
    expect(count((event) => event.kind === "mailer_kill")).toBeGreaterThanOrEqual(10);
    expect(count((event) => event.kind === "mailer_kill_after_commit")).toBeGreaterThanOrEqual(10);
    expect(defaultKills(10_000).perPoint).toBeGreaterThanOrEqual(10);
    expect(defaultKills(10_000).random).toBeGreaterThanOrEqual(50);
    // Spread over every instance, so that each one's lane has its share.
    for (const instance of [1, 2, 3]) expect(count((event) => "instance" in event && event.instance === instance)).toBeGreaterThan(plan.nemesis.length / 5);
  });

  it("plans the random kills asked for, and the mailer's only when there is a mailer", () => {
    const plan = makePlan({ ...options(4, 300), randomKills: 17 });
    expect(plan.nemesis.filter((event) => event.kind === "kill")).toHaveLength(17);
    expect(plan.nemesis.filter((event) => event.kind === "mailer_kill" || event.kind === "mailer_kill_after_commit")).toHaveLength(0);
    expect(planSummary(makePlan({ ...options(4, 300), mailer: true, killsPerPoint: 3 })).killsByKind).toMatchObject({ mailer_kill_random: 3, mailer_kill_at_mail_after_commit: 3, kill_at_after_payment: 3 });
  });

  it("gives keys that collide across API clients the same meaning (a naive integration numbering its orders)", () => {
    const plan = makePlan(options(5, 3000));
    const naive = plan.shoppers.flatMap((s) => s.checkouts).filter((c) => c.key.startsWith("order-"));
    const byKey = new Map<string, string>();
    for (const checkout of naive) {
      const meaning = JSON.stringify([checkout.items, checkout.paymentMethod]);
      expect(byKey.get(checkout.key) ?? meaning).toBe(meaning);
      byKey.set(checkout.key, meaning);
    }
    expect(naive.length).toBeGreaterThan(byKey.size);
  });

  it("prints a replay command that parses back to the same options", () => {
    const parsed = parseOptions(["--seed", "99", "--ops", "500", "--instances", "2", "--switches", "forward_only", "--kills-per-point", "12", "--random-kills", "60", "--broker", "--edit-race-share", "0.5"]);
    expect(parsed).toMatchObject({ killsPerPoint: 12, randomKills: 60, broker: true });
    const replay = replayCommand(parsed).split("npm run campaign -- ")[1]!.split(" ");
    expect(parseOptions(replay)).toEqual(parsed);
  });
});
