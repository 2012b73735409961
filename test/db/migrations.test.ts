import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../../scripts/db/embedded.ts";
import { applyMigrations } from "../../scripts/db/migrations.ts";

const MIGRATIONS = join(import.meta.dirname, "../../prisma/migrations");

describe("migrations", () => {
  it("apply once and are a no-op the second time, recorded in Prisma's own table", async () => {
    const database = await startEmbeddedDatabase({ dataDir: "memory://" });
    try {
      const first = await applyMigrations(database.url);
      expect(first.length).toBeGreaterThan(0);
      expect(await applyMigrations(database.url)).toEqual([]);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query("SELECT migration_name, finished_at IS NOT NULL AS done FROM _prisma_migrations ORDER BY migration_name");
      await client.end();
      expect(rows).toEqual(first.map((name) => ({ migration_name: name, done: true })));
    } finally {
      await database.close();
    }
  });
});

describe("the mailbox migration", () => {
  it("carries every message the outbox had sent into the mailbox as processed, and leaves unsent ones to the relay", async () => {
    const database = await startEmbeddedDatabase({ dataDir: "memory://" });
    const client = new pg.Client({ connectionString: database.url });
    try {
      await client.connect();
      const folders = readdirSync(MIGRATIONS, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
      const mailbox = folders.findIndex((name) => name.endsWith("_mailbox"));
      const run = async (name: string) => client.query(readFileSync(join(MIGRATIONS, name, "migration.sql"), "utf8"));
      for (const name of folders.slice(0, mailbox)) await run(name);
      for (const id of ["o_sent", "o_queued"]) {
        await client.query(`INSERT INTO "Order" (id, scope, "idempotencyKey", "totalCents", currency, "paymentMethod", status, "updatedAt") VALUES ($1, 'api:x', $1, 100, 'usd', 'pm_card_visa', 'paid', now())`, [id]);
      }
      await client.query(`INSERT INTO "OutboxMessage" (id, "orderId", kind, recipient, subject, body, "sentAt") VALUES
        ('m_sent', 'o_sent', 'order_confirmation', 'api:x', 'Order o_sent is confirmed', 'Thanks', '2026-11-30 10:00:00'),
        ('m_queued', 'o_queued', 'order_confirmation', 'api:x', 'Order o_queued is confirmed', 'Thanks', NULL)`);
      await run(folders[mailbox]!);

      const entries = await client.query(`SELECT "messageId", "orderId", subject, "deliveredAt" FROM "MailboxEntry"`);
      expect(entries.rows).toEqual([{ messageId: "m_sent", orderId: "o_sent", subject: "Order o_sent is confirmed", deliveredAt: new Date("2026-11-30T10:00:00Z") }]);
      const processed = await client.query(`SELECT "messageId", deliveries FROM "ProcessedMessage"`);
      expect(processed.rows).toEqual([{ messageId: "m_sent", deliveries: 1 }]);
      const outbox = await client.query(`SELECT id, "publishAttempts", "leasedUntil" FROM "OutboxMessage" ORDER BY id`);
      expect(outbox.rows).toEqual([{ id: "m_queued", publishAttempts: 0, leasedUntil: null }, { id: "m_sent", publishAttempts: 0, leasedUntil: null }]);
    } finally {
      await client.end();
      await database.close();
    }
  });
});
