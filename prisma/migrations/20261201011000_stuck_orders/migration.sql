-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "attemptLockToken" TEXT,
ADD COLUMN     "attemptLockedAt" TIMESTAMP(3),
ADD COLUMN     "attemptStartedAt" TIMESTAMP(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'::text);

-- Orders placed before this migration: their first (and only) attempt started when they were created.
UPDATE "Order" SET "attemptStartedAt" = "createdAt";

-- CreateIndex
CREATE INDEX "Order_status_attemptStartedAt_idx" ON "Order"("status", "attemptStartedAt");
