import { db, type Tx } from "@/lib/db.ts";
import type { AuditDetail, AuditKind, TimelineEvent } from "@/lib/audit-events.ts";
import type { Prisma } from "@/lib/generated/prisma/client.ts";
import { scopeHash } from "@/lib/log.ts";

export type AuditSubject = { scope: string; orderId: string | null };
export type AuditEntry = { [K in AuditKind]: AuditSubject & { kind: K; detail: AuditDetail[K] } }[AuditKind];

export function audit<K extends AuditKind>(kind: K, subject: AuditSubject, detail: AuditDetail[K]): AuditEntry {
  return { kind, scope: subject.scope, orderId: subject.orderId, detail } as AuditEntry;
}

/**
 * Appends a transaction's steps in one statement. Call it with the transaction that made the
 * changes: if that transaction rolls back, so do its steps.
 */
export async function recordAudit(tx: Tx, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const at = new Date();
  await tx.auditEvent.createMany({ data: entries.map((entry) => ({ ...entry, at, detail: entry.detail as Prisma.InputJsonValue })) });
}

/** Deletes steps older than the retention, a bounded batch at a time (oldest first, by the indexed time). */
export async function purgeOldAuditEvents(tx: Tx, now: Date, retentionMs: number, batchSize = 1000): Promise<number> {
  const old = await tx.auditEvent.findMany({ where: { at: { lt: new Date(now.getTime() - retentionMs) } }, orderBy: { at: "asc" }, select: { id: true }, take: batchSize });
  if (old.length === 0) return 0;
  const { count } = await tx.auditEvent.deleteMany({ where: { id: { in: old.map((row) => row.id) } } });
  return count;
}

type Row = { id: bigint; at: Date; kind: string; orderId: string | null; detail: Prisma.JsonValue };
const rowSelect = { id: true, at: true, kind: true, orderId: true, detail: true } as const;

function present(row: Row): TimelineEvent {
  return { id: row.id.toString(), at: row.at.toISOString(), kind: row.kind, orderId: row.orderId, detail: row.detail } as TimelineEvent;
}

/** One order's steps, oldest first. The caller checks the order belongs to the asking scope. */
export async function orderTimeline(orderId: string): Promise<TimelineEvent[]> {
  return (await db.auditEvent.findMany({ where: { orderId }, orderBy: { id: "asc" }, take: 500, select: rowSelect })).map(present);
}

/** Every step of one scope (a lab run's API client, a cart session), oldest first. */
export async function scopeTimeline(scope: string): Promise<TimelineEvent[]> {
  return (await db.auditEvent.findMany({ where: { scope }, orderBy: { id: "asc" }, take: 1000, select: rowSelect })).map(present);
}

/**
 * The latest steps across all scopes, for the operator's dashboard: scopes appear as hashes and
 * shoppers' raw idempotency keys are left out.
 */
export async function recentAuditEvents(limit = 50): Promise<(TimelineEvent & { scopeHash: string })[]> {
  const rows = await db.auditEvent.findMany({ orderBy: { id: "desc" }, take: limit, select: { ...rowSelect, scope: true } });
  return rows.map(({ scope, ...row }) => {
    const event = present(row);
    if (event.kind === "claim") event.detail = { ...event.detail, key: "(hidden)" };
    return { ...event, scopeHash: scopeHash(scope) };
  });
}
