-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 1;

-- Every existing order is on its first attempt, whose Stripe key (order_<id>_payment_intent) is unchanged.
