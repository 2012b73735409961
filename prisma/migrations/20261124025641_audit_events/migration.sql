-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "scope" TEXT NOT NULL,
    "orderId" TEXT,
    "kind" TEXT NOT NULL,
    "detail" JSONB NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditEvent_scope_id_idx" ON "AuditEvent"("scope", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_orderId_id_idx" ON "AuditEvent"("orderId", "id");
