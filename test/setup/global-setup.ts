import { startPaymentsServer } from "../../payments-server/src/index.ts";
import { createTestDatabase } from "./database.ts";

/**
 * One database and one payments server for the whole run; test files isolate themselves by
 * using their own keys, carts and metadata. Workers inherit the environment set here.
 */
export default async function setup() {
  const database = await createTestDatabase();
  const payments = await startPaymentsServer({ port: 0, testApi: true, webhookSecret: "whsec_test_secret", asyncSettleDelayMs: 300 });
  Object.assign(process.env, {
    DATABASE_URL: database.url,
    TEST_DATABASE_KIND: database.kind,
    STRIPE_API_URL: payments.url,
    PAYMENTS_URL: payments.url,
    STRIPE_SECRET_KEY: "sk_test_local_development",
    STRIPE_WEBHOOK_SECRET: "whsec_test_secret",
    STRIPE_TIMEOUT_MS: "1500",
    STRIPE_MAX_NETWORK_RETRIES: "2",
    CHECKOUT_LOCK_TIMEOUT_MS: "3000",
    // A waiting duplicate must outlast a live but slow holder too (the lock timeout, then Stripe's
    // worst case: 3 s + 1.5 s × 3), with room for a loaded machine: at 8 s, 20 waiters on a loaded
    // CI box gave up with 409 while the checkout they waited for was still finishing.
    CHECKOUT_WAIT_MS: "15000",
    LOG_LEVEL: "silent",
  });
  return async () => {
    await payments.close();
    await database.close();
  };
}
