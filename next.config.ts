import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and Prisma's runtime stay plain Node modules rather than being bundled.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "pino"],
  // Several instances may share one build output folder in tests; keep it configurable.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
};

export default config;
