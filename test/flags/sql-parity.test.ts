// is_feature_enabled() and flag_bucket() in Postgres must answer exactly what the
// TypeScript evaluator answers.
import { beforeAll, describe, expect, it } from "vitest";
import { compileFlags, evaluateFlag, type FlagRules } from "../../src/flags/evaluate.ts";
import { freshDatabase, sql } from "../support/harness.ts";
import { seededRandom, seededUuids } from "../support/random.ts";
import golden from "./golden-vectors.json";

let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = await freshDatabase();
});

describe("SQL and TypeScript parity", () => {
  it("flag_bucket() reproduces the golden vectors", async () => {
    const rows = await sql<{ bucket: number }>(
      databaseUrl,
      "SELECT flag_bucket(s, i) AS bucket FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(s, i, n) ORDER BY n",
      [golden.vectors.map((v) => v.salt), golden.vectors.map((v) => v.id)],
    );
    expect(rows.map((r) => r.bucket)).toEqual(golden.vectors.map((v) => v.bucket));
  });

  it("is_feature_enabled() agrees with evaluateFlag() on 10,000 combinations, prerequisites included", async () => {
    const random = seededRandom(42);
    const nextId = seededUuids(43);
    const population = Array.from({ length: 400 }, nextId);
    const pick = () => population[Math.floor(random() * population.length)]!;
    const percentages = [0, 1, 10, 25, 33, 50, 66, 75, 99, 100];
    const flags: FlagRules[] = [];
    for (let i = 0; i < 24; i++) {
      flags.push({
        key: `parity_flag_${i}`,
        enabled: i % 8 !== 7,
        rolloutPercentage: percentages[i % percentages.length]!,
        userIds: Array.from({ length: i % 3 === 0 ? 8 : 0 }, pick),
        customerIds: Array.from({ length: i % 4 === 1 ? 8 : 0 }, pick),
        salt: Math.floor(random() * 2 ** 48)
          .toString(16)
          .padStart(12, "0"),
        // A third of the flags need one or two earlier ones (chains up to several deep).
        requires: i > 0 && i % 3 === 2 ? [...new Set([`parity_flag_${Math.floor(random() * i)}`, `parity_flag_${Math.floor(random() * i)}`])] : [],
      });
    }
    for (const f of flags) {
      await sql(
        databaseUrl,
        "INSERT INTO feature_flags (key, name, enabled, rollout_percentage, user_ids, customer_ids, salt, requires) VALUES ($1, $1, $2, $3, $4::uuid[], $5::uuid[], $6, $7::text[])",
        [f.key, f.enabled, f.rolloutPercentage, f.userIds, f.customerIds, f.salt, f.requires],
      );
    }
    const compiled = compileFlags(flags);
    // Ids in every form Postgres reads as a uuid: one id to both evaluators, whatever the spelling.
    const spell = (id: string) => {
      const form = random();
      if (form < 0.55) return id;
      if (form < 0.7) return id.toUpperCase().replace(/-/g, "");
      if (form < 0.85) return `{${id}}`;
      return id.replace(/-/g, "").replace(/(.{4})(?!$)/g, "$1-");
    };
    const cases = Array.from({ length: 10_000 }, () => {
      const shape = random();
      return {
        key: flags[Math.floor(random() * flags.length)]!.key,
        userId: shape < 0.85 ? spell(pick()) : null,
        customerId: shape > 0.4 ? spell(pick()) : null,
      };
    });
    const rows = await sql<{ enabled: boolean }>(
      databaseUrl,
      `SELECT is_feature_enabled(k, u, c) AS enabled
       FROM unnest($1::text[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS v(k, u, c, n) ORDER BY n`,
      [cases.map((c) => c.key), cases.map((c) => c.userId), cases.map((c) => c.customerId)],
    );
    expect(rows).toHaveLength(cases.length);
    const mismatches = cases.filter((c, i) => evaluateFlag(compiled.get(c.key)!, c).enabled !== rows[i]!.enabled);
    expect(mismatches).toEqual([]);
    // The cases exercise every outcome, not just one.
    const reasons = new Set(cases.map((c) => `${evaluateFlag(compiled.get(c.key)!, c).reason}:${evaluateFlag(compiled.get(c.key)!, c).enabled}`));
    expect([...reasons].sort()).toEqual([
      "disabled:false",
      "prerequisite_failed:false",
      "rollout:false",
      "rollout:true",
      "whitelist_customer:true",
      "whitelist_user:true",
    ]);
  });

  it("answers false for an unknown flag, like isFeatureEnabled()", async () => {
    const [row] = await sql<{ enabled: boolean }>(databaseUrl, "SELECT is_feature_enabled('no_such_flag', gen_random_uuid(), NULL) AS enabled");
    expect(row!.enabled).toBe(false);
  });
});
