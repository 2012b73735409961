-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN     "lockToken" TEXT;

-- A record locked when this deploys has no token: nobody can complete or release it under one,
-- so it is taken over once its lock is stale, as a dead process's would be.
