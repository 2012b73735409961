import pg from "pg";

/**
 * What the shop's database and the payments server hold, counted from outside the app. Every
 * benchmark run compares the ledger before and after, and is void if anything doesn't add up.
 */
export type Ledger = { orders: number; paidOrders: number; payments: number; ordersPaidTwice: number; paymentIntents: number; charges: number };

type StripeStats = { paymentIntents: { created: number }; charges: { succeeded: number } };

export class Books {
  readonly sql: pg.Pool;

  constructor(
    databaseUrl: string,
    private readonly paymentsUrl: string,
  ) {
    this.sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  }

  async count(query: string, params: unknown[] = []): Promise<number> {
    const { rows } = await this.sql.query<{ n: string }>(query, params);
    return Number(rows[0]?.n ?? 0);
  }

  /** Orders and payments (optionally only orders whose key starts with `keyPrefix`), and Stripe's totals. */
  async ledger(keyPrefix = ""): Promise<Ledger> {
    const like = `${keyPrefix}%`;
    const [orders, paidOrders, payments, ordersPaidTwice] = await Promise.all([
      this.count(`SELECT count(*) AS n FROM "Order" WHERE "idempotencyKey" LIKE $1`, [like]),
      this.count(`SELECT count(*) AS n FROM "Order" WHERE "idempotencyKey" LIKE $1 AND status = 'paid'`, [like]),
      this.count(`SELECT count(*) AS n FROM "Payment" p JOIN "Order" o ON o.id = p."orderId" WHERE o."idempotencyKey" LIKE $1`, [like]),
      this.count(`SELECT count(*) AS n FROM (SELECT p."orderId" FROM "Payment" p JOIN "Order" o ON o.id = p."orderId" WHERE o."idempotencyKey" LIKE $1 GROUP BY p."orderId" HAVING count(*) > 1) twice`, [like]),
    ]);
    const stats = await this.stripe();
    return { orders, paidOrders, payments, ordersPaidTwice, paymentIntents: stats.paymentIntents.created, charges: stats.charges.succeeded };
  }

  async stripe(): Promise<StripeStats> {
    const response = await fetch(`${this.paymentsUrl}/_test/stats`);
    if (!response.ok) throw new Error(`payments server /_test/stats: ${response.status}`);
    return (await response.json()) as StripeStats;
  }

  close(): Promise<void> {
    return this.sql.end();
  }
}

export function delta(before: Ledger, after: Ledger): Ledger {
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - before[key as keyof Ledger]])) as Ledger;
}

/** Collects broken expectations; a run with any is reported as failed, without numbers. */
export class Verdict {
  readonly violations: string[] = [];

  expect(what: string, actual: number, expected: number): void {
    if (actual !== expected) this.violations.push(`${what}: ${actual}, expected ${expected}`);
  }

  check(what: string, ok: boolean): void {
    if (!ok) this.violations.push(what);
  }

  get ok(): boolean {
    return this.violations.length === 0;
  }
}
