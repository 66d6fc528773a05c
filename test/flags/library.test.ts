// The spec's library API, called as plain functions with a database handle.
import { beforeAll, describe, expect, it } from "vitest";
import { bucketOf } from "../../src/flags/bucket.ts";
import { checkFeatureFlag, getEnabledFeatures, isFeatureEnabled } from "../../src/flags/read-flags.ts";
import { addCustomerToWhitelist, createFeatureFlag, deleteFeatureFlag, removeCustomerFromWhitelist, updateFeatureFlag } from "../../src/flags/write-flags.ts";
import { gradualRollout } from "../../src/flags/rollouts.ts";
import { freshDatabase, roundTrips, withDatabase } from "../support/harness.ts";
import { seededUuids } from "../support/random.ts";

const ADMIN = "00000000-0000-4000-8000-0000000000c3";
let databaseUrl: string;
const next = seededUuids(77);
const customer = next();

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  await withDatabase(databaseUrl, async (db) => {
    for (let i = 0; i < 50; i++) {
      await createFeatureFlag(
        db,
        { key: `portal_feature_${String(i).padStart(2, "0")}`, name: `F${i}`, enabled: i % 2 === 0, rolloutPercentage: (i * 7) % 101 },
        ADMIN,
        { flagLimit: 50 },
      );
    }
  });
});

describe("the spec's feature-flag library", () => {
  it("getEnabledFeatures evaluates 50 flags in one round trip", async () => {
    const before = await roundTrips(databaseUrl);
    const enabled = await withDatabase(databaseUrl, (db) => getEnabledFeatures(db, { customerId: customer }));
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
    const expected = await withDatabase(databaseUrl, async (db) => {
      const keys: string[] = [];
      for (let i = 0; i < 50; i++) {
        const key = `portal_feature_${String(i).padStart(2, "0")}`;
        if ((await checkFeatureFlag(db, key, { customerId: customer })).enabled) keys.push(key);
      }
      return keys;
    });
    expect(enabled).toEqual(expected);
    expect(enabled.length).toBeGreaterThan(0);
    expect(enabled.length).toBeLessThan(25);
  });

  it("isFeatureEnabled and checkFeatureFlag agree, and unknown flags are off", async () => {
    await withDatabase(databaseUrl, async (db) => {
      await createFeatureFlag(db, { key: "portal_ai_chat", name: "AI chat", enabled: true, rolloutPercentage: 30 }, ADMIN, { flagLimit: 60 });
      const user = next();
      const check = await checkFeatureFlag(db, "portal_ai_chat", { userId: user });
      expect(check).toEqual({ enabled: check.bucket! < 30, reason: "rollout", bucket: bucketOf(await salt(db, "portal_ai_chat"), user) });
      expect(await isFeatureEnabled(db, "portal_ai_chat", { userId: user })).toBe(check.enabled);
      expect(await isFeatureEnabled(db, "portal_no_such_flag", { userId: user })).toBe(false);
      await expect(checkFeatureFlag(db, "portal_no_such_flag", {})).rejects.toThrow("No feature flag with key 'portal_no_such_flag'");

      await addCustomerToWhitelist(db, "portal_ai_chat", customer, ADMIN);
      expect(await checkFeatureFlag(db, "portal_ai_chat", { userId: user, customerId: customer })).toMatchObject({
        enabled: true,
        reason: "whitelist_customer",
      });
      await removeCustomerFromWhitelist(db, "portal_ai_chat", customer, ADMIN);
      await updateFeatureFlag(db, "portal_ai_chat", { enabled: false }, ADMIN);
      expect(await checkFeatureFlag(db, "portal_ai_chat", { userId: user })).toMatchObject({ enabled: false, reason: "disabled" });
      const planned = await gradualRollout(db, "portal_ai_chat", { startPercentage: 0, endPercentage: 100, durationHours: 168, intervalHours: 24 }, ADMIN);
      expect(planned).toMatchObject({ enabled: true, rolloutPercentage: 0, rollout: { totalSteps: 7 } });
      await deleteFeatureFlag(db, "portal_ai_chat", ADMIN);
      expect(await isFeatureEnabled(db, "portal_ai_chat", { userId: user })).toBe(false);
    });
  });
});

async function salt(db: Parameters<typeof isFeatureEnabled>[0], key: string): Promise<string> {
  const result = await db.execute<{ salt: string }>(`SELECT salt FROM feature_flags WHERE key = '${key}'`);
  return result.rows[0]!.salt;
}
