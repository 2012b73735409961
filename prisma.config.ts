import { defineConfig } from "prisma/config";

// DATABASE_URL is optional: the embedded default has no URL until its server starts
// (see lib/db/embedded.ts). The Prisma CLI needs one only for migrate commands on a machine
// that can run its native schema engine; our own scripts use the WASM engine instead.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" },
});
