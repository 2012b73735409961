import pino from "pino";
import { sha256 } from "@/lib/hash.ts";

/** Structured JSON logs. Scopes are logged as hashes: a log line never exposes another shopper's session. */
export const logger = pino({ level: process.env.LOG_LEVEL ?? "info", base: { service: "shop" } });

export function scopeHash(scope: string): string {
  return sha256(scope).slice(0, 12);
}
