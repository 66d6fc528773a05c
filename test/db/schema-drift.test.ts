// schema.sql is the readable copy of the schema; the migrations are what deployments
// apply. Both are built into fresh databases here and their catalogs must be identical.
import { describe, expect, it } from "vitest";
import { freshDatabase, sql } from "../support/harness.ts";

const CATALOG_QUERIES = {
  tables: `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  columns: `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
            FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`,
  constraints: `SELECT c.conrelid::regclass::text AS table_name, c.conname, c.contype, pg_get_constraintdef(c.oid) AS definition
                FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'public' ORDER BY 1, 2`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`,
  functions: `SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result,
                     p.provolatile, l.lanname, regexp_replace(p.prosrc, '\\s+', ' ', 'g') AS body
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
              WHERE n.nspname = 'public' ORDER BY 1, 2`,
  // Seeded reference data belongs to the schema too.
  alertRules: `SELECT name, target, condition, threshold_ms, duration_seconds, severity, channels, enabled FROM alert_rules ORDER BY name`,
  triggers: `SELECT tgrelid::regclass::text AS table_name, tgname, pg_get_triggerdef(oid) AS definition
             FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`,
  // Who may do what: the roles' grants, row-level security and its policies.
  rowSecurity: `SELECT tablename, rowsecurity FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  policies: `SELECT tablename, policyname, cmd, roles::text, qual, with_check FROM pg_policies WHERE schemaname = 'public' ORDER BY 1, 2`,
  grants: `SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
           WHERE table_schema = 'public' AND grantee IN ('phs_reader', 'phs_writer') ORDER BY 1, 2, 3`,
};

async function catalog(url: string) {
  const entries = await Promise.all(Object.entries(CATALOG_QUERIES).map(async ([name, query]) => [name, await sql(url, query)] as const));
  return Object.fromEntries(entries);
}

describe("schema.sql and the migrations", () => {
  it("build identical catalogs", async () => {
    const [fromMigrations, fromSchemaFile] = await Promise.all([freshDatabase("migrations"), freshDatabase("schema.sql")]);
    const [a, b] = await Promise.all([catalog(fromMigrations), catalog(fromSchemaFile)]);
    expect(a.tables!.map((t) => t.table_name)).toEqual([
      "alert_notifications",
      "alert_rules",
      "alert_state",
      "audit_log",
      "console_actors",
      "feature_flags",
      "flag_adoption_days",
      "flag_rollouts",
      "flag_signal_hours",
      "health_check_daily",
      "health_check_logs",
      "incident_updates",
      "maintenance_windows",
      "notification_events",
      "subscriber_deliveries",
      "subscribers",
      "system_status",
      "system_status_archive",
    ]);
    expect(a.functions!.map((f) => f.proname)).toEqual([
      "feature_flags_track_full_rollout",
      "flag_bucket",
      "flag_mul32",
      "get_system_status",
      "get_upcoming_maintenance",
      "hll_merge",
      "is_feature_enabled",
      "log_health_check",
    ]);
    expect(a.columns!.length).toBeGreaterThan(30);
    expect(b).toEqual(a);
  });

  it("would notice a difference", async () => {
    const url = await freshDatabase("schema.sql");
    const before = await catalog(url);
    await sql(url, "ALTER TABLE feature_flags ALTER COLUMN rollout_percentage SET DEFAULT 0");
    expect(await catalog(url)).not.toEqual(before);
  });
});
