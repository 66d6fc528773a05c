// `npm run dev`: the whole service on this machine with no configuration. Postgres
// (DATABASE_URL, or an embedded PGlite under .data/), migrations, demo data, the Neon
// relay, the fake vendors, then `wrangler dev`. Ctrl-C stops all of it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAKE_CREDENTIALS, startFakeVendors } from "./lib/fake-vendors.ts";
import { applyMigrations, isReachable, useEmbeddedPostgres, withClient, type PostgresServer } from "./lib/postgres.ts";
import { readerUrl } from "./lib/reader-url.ts";
import { isLoopbackDatabase } from "../src/lib/loopback.ts";
import { startRelay } from "./lib/relay.ts";
import { DEMO_ACTOR, seedDemoData } from "./lib/seed.ts";

const port = Number(process.env.PORT ?? 8787);
const log = (message: string) => console.log(`[dev] ${message}`);

let embedded: PostgresServer | undefined;
let databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  if (!(await isReachable(databaseUrl))) {
    console.error("[dev] DATABASE_URL is set but the database does not answer");
    process.exit(1);
  }
  await applyMigrations(databaseUrl);
  log("database: DATABASE_URL (migrated)");
} else {
  const dataDir = process.env.PGLITE_DATA_DIR ?? ".data/pglite";
  embedded = await useEmbeddedPostgres({ dataDir, port: Number(process.env.PGLITE_PORT ?? 0) });
  databaseUrl = embedded.url;
  log(`database: embedded PGlite in ${dataDir}, serving ${databaseUrl} (migrated)`);
}
await seedDemoData(databaseUrl);
log("demo data: seeded");
const readUrl = process.env.DATABASE_READ_URL ?? (await readOnlyRole(databaseUrl, embedded !== undefined));

const relay = await startRelay({ port: Number(process.env.RELAY_PORT ?? 0), serialize: embedded !== undefined });
log(`neon relay (WebSocket and HTTP): ${relay.address}`);
const vendors = await startFakeVendors({ port: Number(process.env.FAKE_VENDORS_PORT ?? 0) });
log(
  `fake vendors (Stripe, Twilio, Resend): ${vendors.url}  (steer with POST ${vendors.url}/__control/default; emails sent: GET ${vendors.url}/__emails/default)`,
);

const vars: Record<string, string> = {
  ADMIN_TOKENS: process.env.ADMIN_TOKENS ?? `${DEMO_ACTOR}=dev-admin-token`,
  FLAG_CLIENT_TOKENS: process.env.FLAG_CLIENT_TOKENS ?? "dev-client-token",
  DATABASE_URL: databaseUrl,
  ...(readUrl ? { DATABASE_READ_URL: readUrl } : {}),
  LOCAL_PG_RELAY: relay.address,
  ...FAKE_CREDENTIALS,
  ...vendors.baseUrls("default"),
  // Alerts go to the local receiver unless real channels are configured.
  ...vendors.hookUrls("default"),
  PAGERDUTY_ROUTING_KEY: process.env.PAGERDUTY_ROUTING_KEY ?? "local-dev-routing-key",
  // Subscriptions on: links point at this server, emails go to the fake Resend (see what
  // each subscriber got at <vendors>/__emails/default). A fixed key keeps links valid
  // across restarts; it signs nothing outside this machine.
  SUBSCRIPTION_KEY: process.env.SUBSCRIPTION_KEY ?? "local-dev-subscription-key",
  PUBLIC_URL: process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`,
  NOTIFY_FROM: process.env.NOTIFY_FROM ?? "Portal status <status@mail.example.com>",
  // The console: one click signs in the demo actor (honoured on this loopback server only),
  // and a fake Cloudflare Access team (the fake vendors' JWKS) checks Access assertions:
  // get one with POST <vendors>/__access/token and send it as Cf-Access-Jwt-Assertion.
  CONSOLE_DEV_ACTOR: DEMO_ACTOR,
  ACCESS_TEAM_DOMAIN: process.env.ACCESS_TEAM_DOMAIN ?? vendors.url,
  ACCESS_AUD: process.env.ACCESS_AUD ?? "local-dev-access-aud",
};
// Settings worth changing for a local run (the benchmark uses them), passed through when set.
for (const name of ["RATE_LIMIT", "RATE_LIMIT_PER_MINUTE", "OFREP_RATE_LIMIT_PER_MINUTE", "EDGE_CACHE", "LOG_LEVEL", "STATUS_PAGE_TITLE"]) {
  if (process.env[name]) vars[name] = process.env[name]!;
}
// Secrets and connection strings go to wrangler in a file only this user can read, never
// on the command line, where any local user could read them with ps.
const secretsDir = mkdtempSync(join(tmpdir(), "phs-dev-"));
const envFile = join(secretsDir, ".dev.vars");
const dotenvLine = ([key, value]: [string, string]) => {
  if (/["\\\r\n]/.test(value)) throw new Error(`${key} holds a quote, backslash or line break, which the .env format cannot carry safely`);
  return `${key}="${value}"\n`;
};
writeFileSync(envFile, Object.entries(vars).map(dotenvLine).join(""), { mode: 0o600 });
const forgetSecrets = () => rmSync(secretsDir, { recursive: true, force: true });
process.on("exit", forgetSecrets);
const wrangler = spawn(
  process.execPath,
  [
    "node_modules/wrangler/bin/wrangler.js",
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--test-scheduled",
    "--show-interactive-dev-session=false",
    "--env-file",
    envFile,
  ],
  { stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } },
);
log(`worker: http://127.0.0.1:${port}  (status page /, console /admin, /api/portal/health, /api/portal/status, /docs)`);
log(
  `admin token: ${process.env.ADMIN_TOKENS ? "from ADMIN_TOKENS" : `dev-admin-token (actor ${DEMO_ACTOR})`}; OFREP client token: ${process.env.FLAG_CLIENT_TOKENS ? "from FLAG_CLIENT_TOKENS" : "dev-client-token"}`,
);

/**
 * Public reads as the read-only role phs_reader, as a deployment that configures it: on the
 * embedded database the relay applies the role; on a local Postgres with trust
 * authentication the role is let log in. Anywhere else, set DATABASE_READ_URL yourself.
 */
async function readOnlyRole(url: string, isEmbedded: boolean): Promise<string | undefined> {
  if (isEmbedded) return readerUrl(url);
  if (!isLoopbackDatabase(url)) {
    log("public reads use DATABASE_URL (set DATABASE_READ_URL to read as the read-only role phs_reader)");
    return undefined;
  }
  try {
    await withClient(url, (client) => client.query("ALTER ROLE phs_reader LOGIN"));
    const reader = readerUrl(url);
    if (await isReachable(reader)) return reader;
  } catch {
    // Not allowed here: public reads use DATABASE_URL.
  }
  log("public reads use DATABASE_URL (set DATABASE_READ_URL to read as the read-only role phs_reader)");
  return undefined;
}

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  wrangler.kill("SIGINT");
  await new Promise((resolve) => (wrangler.exitCode === null ? wrangler.once("exit", resolve) : resolve(null)));
  await Promise.allSettled([relay.close(), vendors.close(), embedded?.close()]);
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
wrangler.on("exit", (code) => void stop(code ?? 0));
