// Starts the real chain once for the whole run (Postgres, the Neon relay, the fake
// vendors) and tells the workers where it is. Each test file then asks the control
// server for a database of its own.
import type { ProvidedContext } from "vitest";
import type { TestProject } from "vitest/node";
import { startControlServer } from "../../scripts/lib/control-server.ts";
import { startFakeVendors } from "../../scripts/lib/fake-vendors.ts";
import { isReachable, useEmbeddedPostgres, useExternalPostgres } from "../../scripts/lib/postgres.ts";
import { startRelay } from "../../scripts/lib/relay.ts";

declare module "vitest" {
  export interface ProvidedContext {
    harness: { controlUrl: string; relay: string; vendorsUrl: string; postgres: "external" | "embedded" };
  }
}

type Harness = ProvidedContext["harness"] & { close(): Promise<void> };

// Both workerd projects (the registry as it is, and with a sixth component) share one
// chain: the first to start it starts it, the last to finish stops it.
const shared = globalThis as typeof globalThis & { phsHarness?: { started: Promise<Harness>; users: number } };

export default async function setup(project: TestProject) {
  shared.phsHarness ??= { started: startHarness(), users: 0 };
  const entry = shared.phsHarness;
  entry.users++;
  const { close, ...harness } = await entry.started;
  project.provide("harness", harness);
  return async () => {
    if (--entry.users > 0) return;
    shared.phsHarness = undefined;
    await close();
  };
}

async function startHarness(): Promise<Harness> {
  const url = process.env.DATABASE_URL;
  if (url && !(await isReachable(url))) throw new Error("DATABASE_URL is set but the database does not answer");
  const postgres = url ? await useExternalPostgres(url, `phs_test_${process.pid}_${Date.now().toString(36)}`) : await useEmbeddedPostgres();
  const relay = await startRelay({ serialize: postgres.kind === "embedded" });
  const vendors = await startFakeVendors();
  const control = await startControlServer(postgres, relay);
  return {
    controlUrl: control.url,
    relay: relay.address,
    vendorsUrl: vendors.url,
    postgres: postgres.kind,
    async close() {
      await control.close();
      await vendors.close();
      await relay.close();
      await postgres.close();
    },
  };
}
