import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

/** The key the seed gave the demo API client: the environment's, else .env's, else the documented default. */
export function demoApiKey(): string {
  if (process.env.DEMO_API_KEY) return process.env.DEMO_API_KEY;
  for (const file of [".env", ".env.example"]) {
    const key = existsSync(file) ? parseEnv(readFileSync(file, "utf8")).DEMO_API_KEY : undefined;
    if (key) return key;
  }
  throw new Error("DEMO_API_KEY is not set and .env.example does not name it");
}
