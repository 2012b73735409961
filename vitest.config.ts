import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

const alias = {
  "@/": root,
  // Modules marked server-only are fine to import from tests, which run on the server.
  "server-only": `${root}test/setup/empty.ts`,
};

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { resolve: { alias }, test: { name: "payments-server", include: ["payments-server/test/**/*.test.ts"], testTimeout: 30_000 } },
      // The cluster's supervisor and nginx configuration, and the campaign's plan and checker (no app needed).
      { resolve: { alias }, test: { name: "cluster", include: ["cluster/test/**/*.test.ts"], exclude: ["cluster/test/live/**"], testTimeout: 60_000 } },
      { resolve: { alias }, test: { name: "campaign", include: ["campaign/test/**/*.test.ts"], exclude: ["campaign/test/cluster/**"] } },
      // A real cluster (a build, PostgreSQL, nginx): a browser through it, whole campaigns. Run by CI after the build, not by test:unit.
      { resolve: { alias }, test: { name: "cluster-live", include: ["cluster/test/live/**/*.test.ts", "campaign/test/cluster/**/*.test.ts"], testTimeout: 900_000, hookTimeout: 300_000 } },
      // The confirmation path on the real RabbitMQ (and Redis): a database of their own (global setup), run apart from `shop`.
      { resolve: { alias }, test: { name: "broker", include: ["mailer/test/**/*.test.ts"], globalSetup: ["test/setup/global-setup.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      // The shop's tests share one migrated database and one payments server (global setup).
      { resolve: { alias }, test: { name: "shop", include: ["test/**/*.test.ts"], globalSetup: ["test/setup/global-setup.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
