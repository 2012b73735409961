-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "leasedUntil" TIMESTAMP(3),
ADD COLUMN     "publishAttempts" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "MailboxEntry" (
    "id" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "deliveredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MailboxEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProcessedMessage" (
    "messageId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "deliveries" INTEGER NOT NULL DEFAULT 1,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedMessage_pkey" PRIMARY KEY ("messageId")
);

-- CreateIndex
CREATE INDEX "MailboxEntry_recipient_deliveredAt_idx" ON "MailboxEntry"("recipient", "deliveredAt");

-- CreateIndex
CREATE INDEX "MailboxEntry_messageId_idx" ON "MailboxEntry"("messageId");

-- CreateIndex
CREATE INDEX "MailboxEntry_orderId_idx" ON "MailboxEntry"("orderId");

-- CreateIndex
CREATE INDEX "ProcessedMessage_orderId_idx" ON "ProcessedMessage"("orderId");

-- AddForeignKey
ALTER TABLE "MailboxEntry" ADD CONSTRAINT "MailboxEntry_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Carry over: every message the outbox already sent becomes the mailbox entry the consumer
-- would have written (delivered when it was sent), with its processed-message row, so nothing
-- already delivered is delivered again and no paid order loses its confirmation.
INSERT INTO "MailboxEntry" ("id", "messageId", "orderId", "kind", "recipient", "subject", "body", "deliveredAt")
SELECT 'mbx_' || "id", "id", "orderId", "kind", "recipient", "subject", "body", "sentAt"
FROM "OutboxMessage" WHERE "sentAt" IS NOT NULL;

INSERT INTO "ProcessedMessage" ("messageId", "orderId", "deliveries", "processedAt", "lastSeenAt")
SELECT "id", "orderId", 1, "sentAt", "sentAt"
FROM "OutboxMessage" WHERE "sentAt" IS NOT NULL;
