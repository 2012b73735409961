import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Stripe ids are a type prefix plus 24 base62 characters (`pi_3Pq...`); code that sniffs prefixes keeps working. */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${out}`;
}

/** Stripe timestamps (`created`) are whole unix seconds. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
