import pg from "pg";

/**
 * The final state, read with plain SQL: the checker imports nothing of the shop (no lib/, no app/,
 * not even its generated Prisma client), so a bug there cannot hide itself from the check.
 */
export type OrderStatus = "pending" | "processing" | "paid" | "failed" | "refunded";
export type OrderRow = {
  id: string;
  scope: string;
  idempotencyKey: string;
  cartId: string | null;
  cartVersion: number | null;
  apiClientId: string | null;
  status: OrderStatus;
  totalCents: number;
  paymentIntentId: string | null;
  items: { slug: string; quantity: number; unitPriceCents: number }[];
};
export type AuditRow = { id: string; at: string; orderId: string | null; kind: string; detail: Record<string, unknown> };
export type RecordRow = { scope: string; key: string; recoveryPoint: string; locked: boolean; orderId: string | null; responseStatus: number | null };
export type ConfirmationRow = { orderId: string; kind: string; sent: boolean };

export type DatabaseState = {
  orders: Map<string, OrderRow>;
  prices: Map<string, number>;
  records: RecordRow[];
  confirmations: ConfirmationRow[];
  audit: Map<string, AuditRow[]>;
};

export async function withDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function readDatabase(url: string): Promise<DatabaseState> {
  return withDatabase(url, async (client) => {
    // One snapshot for every read: the system has settled, but the background work still runs.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const q = async <R extends pg.QueryResultRow>(sql: string) => (await client.query<R>(sql)).rows;
    const orders = new Map<string, OrderRow>();
    for (const row of await q<Omit<OrderRow, "items">>(`select id, scope, "idempotencyKey", "cartId", "cartVersion", "apiClientId", status::text as status, "totalCents", "paymentIntentId" from "Order"`)) {
      orders.set(row.id, { ...row, items: [] });
    }
    for (const item of await q<{ orderId: string; slug: string; quantity: number; unitPriceCents: number }>(`select "orderId", slug, quantity, "unitPriceCents" from "OrderItem" order by slug`)) {
      orders.get(item.orderId)?.items.push({ slug: item.slug, quantity: item.quantity, unitPriceCents: item.unitPriceCents });
    }
    const prices = new Map((await q<{ slug: string; priceCents: number }>(`select slug, "priceCents" from "Product"`)).map((row) => [row.slug, row.priceCents]));
    const records = await q<RecordRow>(`select scope, key, "recoveryPoint", "lockedAt" is not null as locked, "orderId", "responseStatus" from "IdempotencyRecord"`);
    // A confirmation is sent when the mailer wrote its mailbox entry (one row per email); an
    // outbox row with no entry yet is a confirmation still on its way.
    const confirmations = await q<ConfirmationRow>(`
      select "orderId", kind, true as sent from "MailboxEntry"
      union all
      select m."orderId", m.kind, false as sent from "OutboxMessage" m
      where not exists (select 1 from "MailboxEntry" e where e."messageId" = m.id)`);
    const audit = new Map<string, AuditRow[]>();
    for (const row of await q<AuditRow>(`select id::text as id, at::text as at, "orderId", kind, detail from "AuditEvent" where "orderId" is not null order by "AuditEvent".id`)) {
      const list = audit.get(row.orderId!) ?? [];
      list.push(row);
      audit.set(row.orderId!, list);
    }
    await client.query("COMMIT");
    return { orders, prices, records, confirmations, audit };
  });
}

/** What is still moving: the settle loop waits for all of it to reach zero. */
export type Unsettled = { openOrders: number; unfinishedRecords: number; lockedRecords: number; unsentMessages: number };

export async function readUnsettled(url: string): Promise<Unsettled> {
  return withDatabase(url, async (client) => {
    const { rows } = await client.query<{ open: string; unfinished: string; locked: string; unsent: string }>(`
      select (select count(*) from "Order" where status in ('pending', 'processing')) as open,
             (select count(*) from "IdempotencyRecord" where "recoveryPoint" <> 'finished') as unfinished,
             (select count(*) from "IdempotencyRecord" where "lockedAt" is not null) as locked,
             (select count(*) from "OutboxMessage" m where not exists (select 1 from "MailboxEntry" e where e."messageId" = m.id)) as unsent`);
    const row = rows[0]!;
    return { openOrders: Number(row.open), unfinishedRecords: Number(row.unfinished), lockedRecords: Number(row.locked), unsentMessages: Number(row.unsent) };
  });
}

export const settled = (state: Unsettled) => state.openOrders + state.unfinishedRecords + state.lockedRecords + state.unsentMessages === 0;
