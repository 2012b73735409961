import { unauthorized } from "./errors.ts";

const TEST_KEY = /^sk_test_[A-Za-z0-9_]+$/;

function redact(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : key;
}

/**
 * The secret key, from `Authorization: Bearer sk_test_...` (how the SDK sends it) or HTTP basic auth with the key as
 * user name (how `curl -u sk_test_...:` sends it). Any test-mode secret key is accepted; each has its own
 * idempotency keys, as on Stripe.
 */
export function apiKeyFrom(header: string | undefined): string {
  if (!header) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const [scheme = "", value = ""] = header.trim().split(/\s+/, 2);
  let key = value;
  if (scheme.toLowerCase() === "basic") key = Buffer.from(value, "base64").toString("utf8").split(":")[0] ?? "";
  else if (scheme.toLowerCase() !== "bearer") key = "";
  if (!TEST_KEY.test(key)) throw unauthorized(`Invalid API Key provided: ${redact(key || header)}`);
  return key;
}
