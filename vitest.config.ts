import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
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
          },
        },
      };
    }),
  ],
  test: {
    globalSetup: ["./test/support/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
