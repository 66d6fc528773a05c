// Another TypeScript service using the library through the package's exports: a project of
// its own with this package in its node_modules, a .ts file Node runs as it is, importing
// "portal-health-status/feature-flags" (the built module), against a real database.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, harness } from "./database.ts";

const CONSUMER = `
import { checkFeatureFlag, configureFeatureFlags, createFeatureFlag, getEnabledFeatures, type FeatureContext } from "portal-health-status/feature-flags";

configureFeatureFlags({ connectionString: process.env.SERVICE_DATABASE_URL!, driver: process.env.SERVICE_DRIVER as "neon" | "node-postgres" });
const admin = "00000000-0000-4000-8000-00000000ad02";
await createFeatureFlag({ key: "portal_from_service", name: "From another service", enabled: true, rolloutPercentage: 100 }, admin);
const context: FeatureContext = { customerId: "customer-42" };
const limit = await createFeatureFlag({ key: "portal_second", name: "Second" }, admin).then(() => "created", (e: Error) => e.message);
console.log(JSON.stringify({
  check: await checkFeatureFlag("portal_from_service", context),
  enabled: await getEnabledFeatures(context),
  limit,
}));
process.exit(0);
`;

describe("the library from another service, through the package's exports", () => {
  let project: string;
  beforeAll(() => {
    execFileSync(process.execPath, ["scripts/build-library.ts"], { stdio: "inherit" });
    project = mkdtempSync(join(tmpdir(), "phs-consumer-"));
    mkdirSync(join(project, "node_modules"));
    symlinkSync(resolve("."), join(project, "node_modules", "portal-health-status"), "dir");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(join(project, "main.ts"), CONSUMER);
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("evaluates and changes flags with the service's defaults (FLAG_LIMIT from the environment)", async () => {
    const driver = harness().postgres === "external" ? "node-postgres" : "neon";
    const out = execFileSync(process.execPath, ["main.ts"], {
      cwd: project,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        SERVICE_DATABASE_URL: await freshDatabase(),
        SERVICE_DRIVER: driver,
        LOCAL_PG_RELAY: harness().relay,
        FLAG_LIMIT: "1",
      },
    });
    expect(JSON.parse(out)).toEqual({
      check: { enabled: true, reason: "rollout" },
      enabled: ["portal_from_service"],
      limit: "The flag budget of 1 is used up; remove flags that are fully rolled out before adding more",
    });
  });
});
