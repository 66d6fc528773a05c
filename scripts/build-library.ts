// npm run build:lib (and `prepare`, so an install from git has it): the feature-flag
// library as one ES module for Node services, dist/lib/feature-flags.js, which the
// package exports as "portal-health-status/feature-flags". Its dependencies stay imports.
import { build } from "esbuild";

await build({
  entryPoints: ["src/lib/portal/feature-flags.ts"],
  outfile: "dist/lib/feature-flags.js",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
