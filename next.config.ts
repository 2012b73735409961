import type { NextConfig } from "next";
import { env } from "./lib/env.ts";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg, Prisma's runtime and the AMQP client stay plain Node modules rather than being bundled.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "pino", "amqplib"],
  // Several instances may share one build output folder in tests; keep it configurable.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  experimental: {
    // Server actions are public POST endpoints too: the same cap as the API's bodies (Next's
    // default is 1 MB). Next stops reading at the cap and answers the action with an error.
    serverActions: { bodySizeLimit: env().REQUEST_BODY_LIMIT_BYTES },
  },
};

export default config;
