import { resolve } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import type { Plugin } from "vite";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

const SIXTH_COMPONENT_TEST = "test/components/sixth-component.test.ts";
const CONSOLE_JOURNEYS = "test/outside/console-in-chromium.test.ts";

/** A project that runs inside workerd, against the real chain started by the global setup. */
function workersProject(name: string, test: { include: string[]; exclude?: string[] }, plugins: Plugin[] = []): TestProjectInlineConfiguration {
  return {
    // As the Worker's bundle resolves it (wrangler.toml [alias]).
    resolve: { alias: [{ find: /^zod$/, replacement: resolve("src/lib/zod-without-locales.ts") }] },
    plugins: [
      ...plugins,
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
      name,
      globalSetup: ["./test/support/global-setup.ts"],
      ...test,
      testTimeout: 20_000,
      hookTimeout: 60_000,
    },
  };
}

/**
 * Builds the Worker with one more component in src/components/registry.ts: the registered
 * list passes through test/components/registry-with-maps.ts. This is the one-file change
 * that adds a component, made by the build rather than by a module mock (which workerd's
 * test runtime does not support).
 */
function registryWithSixthComponent(): Plugin {
  const registry = resolve("src/components/registry.ts");
  const extension = resolve("test/components/registry-with-maps.ts");
  return {
    name: "registry-with-sixth-component",
    enforce: "pre",
    transform(code, id) {
      if (id.split("?")[0] !== registry) return null;
      const declaration = /export const COMPONENTS\b/;
      if (!declaration.test(code)) throw new Error("registry-with-sixth-component: src/components/registry.ts no longer declares COMPONENTS");
      return `${code.replace(declaration, "const REGISTERED")}
import { withMaps } from ${JSON.stringify(extension)};
export const COMPONENTS = withMaps(REGISTERED);
`;
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      workersProject("workers", { include: ["test/**/*.test.ts"], exclude: ["test/outside/**", "test/library/**", SIXTH_COMPONENT_TEST] }),
      workersProject("sixth-component", { include: [SIXTH_COMPONENT_TEST] }, [registryWithSixthComponent()]),
      {
        // The feature-flag library as a Node service uses it (both drivers), against the
        // same chain the workerd projects use.
        test: {
          name: "node",
          include: ["test/library/**/*.test.{ts,tsx}"],
          globalSetup: ["./test/support/global-setup.ts"],
          environment: "node",
          testTimeout: 30_000,
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
          exclude: [CONSOLE_JOURNEYS],
          globalSetup: ["./test/outside/setup.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The operator console's journeys change flags, windows and incidents that the other
        // outside clients read, so they get an `npm run dev` of their own.
        test: {
          name: "outside-console",
          include: [CONSOLE_JOURNEYS],
          globalSetup: ["./test/outside/setup.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
