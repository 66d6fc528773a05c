// Defense in depth in the database: the read-only role public answers and OFREP use can
// write nothing (privileges), and a write privilege granted by mistake still writes nothing
// (row-level security); the writer role can do everything the admin API and the crons do.
// On the embedded PGlite (which ignores the user a connection names) the relay sets the
// role for each turn, so this holds there too.
import { beforeAll, describe, expect, it } from "vitest";
import { EVERY_MINUTE, runScheduled } from "../../src/cron/scheduled.ts";
import type { Env } from "../../src/env.ts";
import { readerUrl } from "../../scripts/lib/reader-url.ts";
import { ADMIN_TOKEN, ADMIN_TOKENS } from "../support/admin.ts";
import { TABLES } from "../support/checksums.ts";
import { callWorker, freshDatabase, harness, sql, TEST_DEFAULTS, vendorScope } from "../support/harness.ts";

const PUBLIC_TABLES = ["feature_flags", "maintenance_windows", "system_status", "incident_updates", "health_check_logs", "health_check_daily"];
const as = (role: string, url: string) => {
  const u = new URL(url);
  u.username = role;
  return u.toString();
};
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "allowed",
    (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
  );

describe("database roles and row-level security", () => {
  let databaseUrl: string;
  const vendors = vendorScope();
  beforeAll(async () => {
    databaseUrl = await freshDatabase();
    await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled) VALUES ('portal_roles', 'Roles', true)");
  });

  it("lets the reader read what public answers show, and nothing else", async () => {
    const reader = readerUrl(databaseUrl);
    for (const table of PUBLIC_TABLES) expect(await refusal(sql(reader, `SELECT count(*) FROM ${table}`)), table).toBe("allowed");
    for (const table of TABLES.filter((t) => !PUBLIC_TABLES.includes(t))) {
      expect(await refusal(sql(reader, `SELECT count(*) FROM ${table}`)), table).toMatch(/^42501: permission denied/);
    }
  });

  it("refuses every write by the reader, on every table", async () => {
    const reader = readerUrl(databaseUrl);
    for (const table of TABLES) {
      expect(await refusal(sql(reader, `DELETE FROM ${table}`)), table).toMatch(/^42501/);
      const column = ({ health_check_daily: "checks", alert_state: "rule_id" } as Record<string, string>)[table] ?? "id";
      expect(await refusal(sql(reader, `UPDATE ${table} SET ${column} = ${column}`)), table).toMatch(/^42501/);
    }
    expect(await refusal(sql(reader, "INSERT INTO feature_flags (key, name) VALUES ('portal_sneaky', 'x')"))).toMatch(/^42501/);
  });

  it("still refuses when a write privilege was granted by mistake: row-level security", async () => {
    const url = await freshDatabase();
    await sql(url, "GRANT INSERT, UPDATE, DELETE ON feature_flags TO phs_reader");
    const reader = readerUrl(url);
    expect(await refusal(sql(reader, "INSERT INTO feature_flags (key, name) VALUES ('portal_sneaky', 'x')"))).toMatch(
      /^42501: new row violates row-level security policy/,
    );
    await sql(url, "INSERT INTO feature_flags (key, name) VALUES ('portal_kept', 'Kept')");
    // No policy lets the reader touch rows for writing: nothing is updated or deleted.
    await sql(reader, "UPDATE feature_flags SET name = 'changed'");
    await sql(reader, "DELETE FROM feature_flags");
    expect(await sql(url, "SELECT key, name FROM feature_flags")).toEqual([{ key: "portal_kept", name: "Kept" }]);
  });

  it("reads public answers through the reader and writes admin changes through DATABASE_URL", async () => {
    const env = { DATABASE_URL: databaseUrl, ADMIN_TOKENS, ...vendors.env };
    // The read-only connection is down: public answers come from the last known state...
    const down = { DATABASE_READ_URL: "postgresql://phs_reader@127.0.0.1:1/down" };
    const status = (await (await callWorker("/api/portal/status", { ...env, ...down })).json()) as { stale?: boolean };
    expect(status.stale).toBe(true);
    // ...while the admin API, on DATABASE_URL, is unaffected.
    const admin = await callWorker("/api/admin/flags/portal_roles", { ...env, ...down }, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
    // And the other way round: only the reader up still serves public answers live.
    const live = (await (
      await callWorker("/api/portal/status", { ...env, DATABASE_URL: "postgresql://u@127.0.0.1:1/down", DATABASE_READ_URL: readerUrl(databaseUrl) })
    ).json()) as { stale?: boolean; data: { featureFlags: Record<string, boolean> } };
    expect(live.stale).toBeUndefined();
    expect(live.data.featureFlags).toEqual({ portal_roles: true });
  });

  it("lets the writer role do everything the admin API and the crons do", async () => {
    const url = await freshDatabase();
    const writer = as("phs_writer", url);
    const env = { DATABASE_URL: writer, DATABASE_READ_URL: readerUrl(url), ADMIN_TOKENS, ...vendors.env, ...vendors.hooks };
    const created = await callWorker("/api/admin/flags", env, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ key: "portal_written", name: "Written", enabled: true }),
    });
    expect(created.status).toBe(201);
    const run = await runScheduled(EVERY_MINUTE, { ...harness, ...TEST_DEFAULTS, ...env } as Env, new Date());
    expect(Object.entries(run.results).filter(([, r]) => !r.ok)).toEqual([]);
    expect(await sql(url, "SELECT count(*)::int AS n FROM audit_log")).toEqual([{ n: 1 }]);
  });
});
