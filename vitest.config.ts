import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Everything that runs inside workerd, against the real chain started by the global setup.
        plugins: [
          cloudflareTest(({ inject }) => {
            const harness = inject("harness");
            return {
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  HARNESS_CONTROL_URL: harness.controlUrl,
                  HARNESS_VENDORS_URL: harness.vendorsUrl,
                  HARNESS_POSTGRES: harness.postgres,
                  LOCAL_PG_RELAY: harness.relay,
                  // Runs per route of the generated-input property test (more for a deeper run).
                  PROPERTY_RUNS: process.env.PROPERTY_RUNS ?? "25",
                },
              },
            };
          }),
        ],
        test: {
          name: "workers",
          globalSetup: ["./test/support/global-setup.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/outside/**"],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The clients people already use (Chromium, the OpenFeature web SDK, Statuspage
        // clients, feed and calendar parsers, OpenAPI tooling), in Node, against one
        // `npm run dev`. One file at a time: they share that server.
        test: {
          name: "outside",
          include: ["test/outside/**/*.test.ts"],
          globalSetup: ["./test/outside/setup.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
