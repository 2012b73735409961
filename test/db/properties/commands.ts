import fc from "fast-check";
import { CART_PRODUCTS, FAULTS, ITEM_SETS, PAYMENT_METHODS, SHOPPER_COUNT, type FaultName, type World } from "./world.ts";

/**
 * What can happen to the shop, as fast-check commands. Each is small and named by its arguments,
 * so a shrunk counterexample reads as a story ("api0 pays k1 with a lost answer, the completer
 * runs, a stale failure arrives"); what a command picked at run time (which event, which parked
 * actor) is written to the world's trace. The scheduler (lib pause points as gates) decides how
 * the actors these commands start interleave with each other and with the next command.
 */
type Model = { commands: number };
type Command = fc.AsyncCommand<Model, World, false>;

abstract class Step implements Command {
  abstract toString(): string;
  check = () => true;
  async run(model: Model, world: World): Promise<void> {
    model.commands++;
    const detail = await this.act(world);
    world.trace.push(`${this.toString()}${detail === null ? " → nothing to do" : detail ? ` → ${detail}` : ""}`);
  }
  protected abstract act(world: World): Promise<string | null | void>;
}

const copiesArb = fc.constantFrom(1, 1, 1, 2);

class ApiCheckout extends Step {
  constructor(readonly client: number, readonly key: number, readonly items: number, readonly method: number, readonly copies: number) {
    super();
  }
  toString() {
    return `ApiCheckout(api${this.client} k${this.key} items${this.items} ${PAYMENT_METHODS[this.method]}${this.copies > 1 ? ` ×${this.copies}` : ""})`;
  }
  protected act(world: World) {
    return world.apiCheckout(world.api(this.client), `k${this.key}`, ITEM_SETS[this.items]!, PAYMENT_METHODS[this.method]!, this.copies);
  }
}

class CartCheckout extends Step {
  constructor(readonly cart: number, readonly tab: number, readonly method: number, readonly copies: number) {
    super();
  }
  toString() {
    return `CartCheckout(cart${this.cart} tab${this.tab} ${PAYMENT_METHODS[this.method]}${this.copies > 1 ? ` ×${this.copies} tabs` : ""})`;
  }
  protected act(world: World) {
    return world.cartCheckout(world.cart(this.cart), this.tab, PAYMENT_METHODS[this.method]!, this.copies);
  }
}

class Retry extends Step {
  constructor(readonly pick: number, readonly copies: number) {
    super();
  }
  toString() {
    return `Retry(request#${this.pick}${this.copies > 1 ? ` ×${this.copies}` : ""})`;
  }
  protected act(world: World) {
    return world.retry(this.pick, this.copies);
  }
}

class ViewCart extends Step {
  constructor(readonly cart: number) {
    super();
  }
  toString() {
    return `ViewCart(cart${this.cart})`;
  }
  protected act(world: World) {
    return world.viewCart(world.cart(this.cart));
  }
}

class EditCart extends Step {
  constructor(readonly cart: number, readonly product: number, readonly quantity: number) {
    super();
  }
  toString() {
    return `EditCart(cart${this.cart} ${CART_PRODUCTS[this.product]}=${this.quantity})`;
  }
  protected act(world: World) {
    return world.editCart(world.cart(this.cart), CART_PRODUCTS[this.product]!, this.quantity);
  }
}

class DeliverEvent extends Step {
  constructor(readonly pick: number, readonly copies: number) {
    super();
  }
  toString() {
    return `DeliverEvent(#${this.pick}${this.copies > 1 ? ` ×${this.copies}` : ""})`;
  }
  protected act(world: World) {
    return world.deliverEvent(this.pick, this.copies);
  }
}

class DeliverBacklog extends Step {
  toString() {
    return "DeliverBacklog()";
  }
  protected act(world: World) {
    return world.deliverBacklog();
  }
}

class StaleFailure extends Step {
  constructor(readonly pick: number) {
    super();
  }
  toString() {
    return `StaleFailure(pi#${this.pick})`;
  }
  protected act(world: World) {
    return world.staleFailure(this.pick);
  }
}

class Completer extends Step {
  toString() {
    return "Completer()";
  }
  protected act(world: World) {
    return world.completer();
  }
}

class Refund extends Step {
  constructor(readonly pick: number, readonly copies: number) {
    super();
  }
  toString() {
    return `Refund(order#${this.pick}${this.copies > 1 ? ` ×${this.copies}` : ""})`;
  }
  protected act(world: World) {
    return world.refund(this.pick, this.copies);
  }
}

class ExpireLock extends Step {
  constructor(readonly pick: number) {
    super();
  }
  toString() {
    return `ExpireLock(record#${this.pick})`;
  }
  protected act(world: World) {
    return world.expireLock(this.pick);
  }
}

class Purge extends Step {
  constructor(readonly inFlight: boolean) {
    super();
  }
  toString() {
    return `Purge(${this.inFlight ? "every record, in-flight ones too" : "finished records"})`;
  }
  protected async act(world: World) {
    return `${await world.purge(this.inFlight)} purged`;
  }
}

class DashboardRefund extends Step {
  constructor(readonly pick: number) {
    super();
  }
  toString() {
    return `DashboardRefund(pi#${this.pick})`;
  }
  protected act(world: World) {
    return world.dashboardRefund(this.pick);
  }
}

class Fault extends Step {
  constructor(readonly shopper: number, readonly fault: FaultName, readonly times: number) {
    super();
  }
  toString() {
    return `Fault(${this.shopperName()} ${this.fault} ×${this.times})`;
  }
  private shopperName() {
    return this.shopper < SHOPPER_COUNT.api ? `api${this.shopper}` : `cart${this.shopper - SHOPPER_COUNT.api}`;
  }
  protected act(world: World) {
    const shopper = this.shopper < SHOPPER_COUNT.api ? world.api(this.shopper) : world.cart(this.shopper - SHOPPER_COUNT.api);
    return world.fault(shopper, this.fault, this.times);
  }
}

class Kill extends Step {
  constructor(readonly pick: number) {
    super();
  }
  toString() {
    return `Kill(parked#${this.pick})`;
  }
  protected async act(world: World) {
    return world.kill(this.pick);
  }
}

const pick = fc.nat({ max: 7 });

/**
 * Breaches of issue 13 still open on main when these tests were written: a run includes them only
 * with PROPERTY_INCLUDE_OPEN=1 (or when the test asks), so that CI stays green until each is fixed;
 * then its entry goes and the command is always on.
 */
export const OPEN_BREACHES = {} as const satisfies Record<string, string>;
export type OpenBreach = keyof typeof OPEN_BREACHES;

/** The command kinds, with weights (an arbitrary listed n times is n times as likely). */
export function commandArbitraries(options: { faults: FaultName[]; include: OpenBreach[] }): fc.Arbitrary<Command>[] {
  const shoppers = SHOPPER_COUNT.api + SHOPPER_COUNT.cart;
  const weighted: [fc.Arbitrary<Command>, number][] = [
    // Key k mostly carries its own body (items k, payment method k: a client that numbers its
    // orders, so two clients meet on one key), sometimes another one (a reused key: 422).
    [fc.tuple(fc.nat({ max: SHOPPER_COUNT.api - 1 }), fc.nat({ max: 1 }), fc.constantFrom(0, 0, 0, 1), fc.nat({ max: PAYMENT_METHODS.length - 1 }), copiesArb).map(([c, k, other, m, n]) => (other ? new ApiCheckout(c, k, (k + other) % ITEM_SETS.length, m, n) : new ApiCheckout(c, k, k, k, n))), 6],
    [fc.tuple(fc.nat({ max: SHOPPER_COUNT.cart - 1 }), fc.nat({ max: 2 }), fc.nat({ max: PAYMENT_METHODS.length - 1 }), copiesArb).map(([c, t, m, n]) => new CartCheckout(c, t, m, n)), 5],
    [fc.tuple(pick, copiesArb).map(([p, n]) => new Retry(p, n)), 5],
    [fc.nat({ max: SHOPPER_COUNT.cart - 1 }).map((c) => new ViewCart(c)), 2],
    [fc.tuple(fc.nat({ max: SHOPPER_COUNT.cart - 1 }), fc.nat({ max: CART_PRODUCTS.length - 1 }), fc.nat({ max: 3 })).map(([c, p, q]) => new EditCart(c, p, q)), 2],
    [fc.tuple(pick, copiesArb).map(([p, n]) => new DeliverEvent(p, n)), 4],
    [fc.constant(new DeliverBacklog()), 2],
    [pick.map((p) => new StaleFailure(p)), 1],
    [fc.constant(new Completer()), 2],
    [fc.tuple(pick, copiesArb).map(([p, n]) => new Refund(p, n)), 2],
    // A refund made at Stripe, whose charge.refunded may come before the payment's own events (issue 13 item 7, fixed).
    [pick.map((p) => new DashboardRefund(p)), 2],
    [pick.map((p) => new ExpireLock(p)), 2],
    [fc.constant(new Purge(false)), 1],
    [pick.map((p) => new Kill(p)), 3],
  ];
  // A provider 500 saved under the order's key (issue 13 item 4, fixed) is one of the faults.
  const { faults } = options;
  if (faults.length > 0) weighted.push([fc.tuple(fc.nat({ max: shoppers - 1 }), fc.constantFrom(...faults), fc.constantFrom(1, 2)).map(([s, f, t]) => new Fault(s, f, t)), 3]);
  // The purge while checkouts are in flight (issue 13 item 3, fixed).
  weighted.push([fc.constant(new Purge(true)), 1]);
  return weighted.flatMap(([arbitrary, weight]) => Array.from({ length: weight }, () => arbitrary));
}

export const ALL_FAULTS = Object.keys(FAULTS) as FaultName[];
export type { Model };
