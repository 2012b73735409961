-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN     "responseText" TEXT;
