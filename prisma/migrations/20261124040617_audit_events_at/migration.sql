-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");
