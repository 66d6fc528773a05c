// One `npm run dev` for every outside-client test: the Worker in workerd on the embedded
// database with demo data, as a fresh clone runs it, on a free port. Stopped by its
// process group, so exactly what was started is stopped.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../../scripts/lib/free-port.ts";

declare module "vitest" {
  export interface ProvidedContext {
    outside: { baseUrl: string; vendorsUrl: string; pid: number };
  }
}

interface Started {
  dev: ReturnType<typeof spawn>;
  dataDir: string;
  baseUrl: string;
  vendorsPort: number;
}

/** One `npm run dev` on free ports; undefined when it exited before answering (a port taken meanwhile). */
async function startDev(): Promise<Started | undefined> {
  const port = await freePort();
  const vendorsPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "phs-outside-"));
  // Without DATABASE_URL: the embedded default, as a fresh clone runs it.
  const { DATABASE_URL: _unused, ...inherited } = process.env;
  const env = { ...inherited, PORT: String(port), FAKE_VENDORS_PORT: String(vendorsPort), PGLITE_DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  const dev = spawn(process.execPath, ["scripts/dev.ts"], { env, stdio: ["ignore", "ignore", "inherit"], detached: true });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (
      await fetch(`${baseUrl}/api/portal/status`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { dev, dataDir, baseUrl, vendorsPort };
    if (dev.exitCode !== null) {
      try {
        process.kill(-dev.pid!, "SIGKILL"); // whatever it had started
      } catch {
        // nothing left
      }
      rmSync(dataDir, { recursive: true, force: true });
      return undefined;
    }
    if (Date.now() > deadline) throw new Error("npm run dev did not come up");
    await new Promise((r) => setTimeout(r, 500));
  }
}

export default async function setup(project: TestProject) {
  // Two projects start a dev server each at the same moment; a port found free can be taken
  // by the other before it is bound. Such a start fails at once, and is tried again on
  // other ports.
  let started: Started | undefined;
  for (let attempt = 1; !started; attempt++) {
    started = await startDev();
    if (!started && attempt === 3) throw new Error("npm run dev did not come up in 3 attempts");
  }
  const { dev, dataDir, baseUrl, vendorsPort } = started;
  project.provide("outside", { baseUrl, vendorsUrl: `http://127.0.0.1:${vendorsPort}`, pid: dev.pid! });
  return async () => {
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-dev.pid!, name);
      } catch {
        // already gone
      }
    };
    signal("SIGINT");
    for (let i = 0; i < 20 && dev.exitCode === null; i++) await new Promise((r) => setTimeout(r, 250));
    signal("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  };
}
