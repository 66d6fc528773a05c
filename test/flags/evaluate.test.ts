import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketOf } from "../../src/flags/bucket.ts";
import { compileFlag, evaluateFlag, isFlagOn, prepareContext, type FlagRules } from "../../src/flags/evaluate.ts";
import { seededUuids } from "../support/random.ts";
import golden from "./golden-vectors.json";

const USER = "11111111-1111-4111-8111-111111111111";
const CUSTOMER = "22222222-2222-4222-8222-222222222222";
const flag = (rules: Partial<FlagRules>) =>
  compileFlag({ key: "portal_test", enabled: true, rolloutPercentage: 50, userIds: [], customerIds: [], salt: "s4lt", ...rules });

describe("bucket hash", () => {
  it("equals the plain definition (FNV-1a over the UTF-8 bytes, fmix32, mod 100) for any id", () => {
    const reference = (salt: string, id: string) => {
      let h = 0x811c9dc5;
      for (const byte of new TextEncoder().encode(`${salt}:${id}`)) h = Math.imul(h ^ byte, 0x01000193);
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      return (h >>> 0) % 100;
    };
    // Any mix of ASCII and not, at odd and even positions, of any length.
    const nearAscii = fc.integer({ min: 0, max: 0x2ff }).map((code) => String.fromCharCode(code)); // ASCII, Latin-1 and past it
    const id = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: nearAscii, maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), fc.uuid());
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9_]{1,32}$/), id, (salt, value) => bucketOf(salt, value) === reference(salt, value)),
      { numRuns: 2000 },
    );
  });

  it("matches the golden vectors written by an independent implementation", () => {
    expect(golden.vectors.length).toBeGreaterThanOrEqual(200);
    for (const v of golden.vectors) expect(bucketOf(v.salt, v.id), `${v.salt}:${v.id}`).toBe(v.bucket);
  });

  it("spreads 10,000 ids uniformly over 100 buckets (chi-square, p > 0.001)", () => {
    const next = seededUuids(1);
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < 10_000; i++) counts[bucketOf("a1b2c3d4e5f60718", next())]! += 1;
    const chiSquare = counts.reduce((sum, observed) => sum + (observed - 100) ** 2 / 100, 0);
    // The 0.999 quantile of chi-square with 99 degrees of freedom is 148.23.
    expect(chiSquare).toBeLessThan(148.23);
  });

  it("lets different salts pick different users: two flags at 50 % overlap on about 25 %", () => {
    const next = seededUuids(2);
    let both = 0;
    for (let i = 0; i < 10_000; i++) {
      const id = next();
      if (bucketOf("flag_one_salt", id) < 50 && bucketOf("flag_two_salt", id) < 50) both += 1;
    }
    expect(both / 10_000).toBeGreaterThan(0.23);
    expect(both / 10_000).toBeLessThan(0.27);
  });

  it("never removes anyone when the percentage goes up (monotonic)", () => {
    const next = seededUuids(3);
    const ids = Array.from({ length: 2_000 }, next);
    let previous = new Set<string>();
    for (let percentage = 0; percentage <= 100; percentage++) {
      const compiled = flag({ rolloutPercentage: percentage });
      const enabled = new Set(ids.filter((id) => evaluateFlag(compiled, { userId: id }).enabled));
      for (const id of previous) expect(enabled.has(id)).toBe(true);
      expect(enabled.size).toBeGreaterThanOrEqual(previous.size);
      previous = enabled;
    }
    expect(previous.size).toBe(ids.length);
  });

  it("treats ids case-insensitively", () => {
    expect(bucketOf("x", USER)).toBe(evaluateFlag(flag({ salt: "x" }), { userId: USER.toUpperCase() }).bucket);
  });
});

describe("evaluation order (the spec's algorithm)", () => {
  it("is off for everyone when disabled, even whitelisted ids", () => {
    expect(evaluateFlag(flag({ enabled: false, rolloutPercentage: 100, userIds: [USER] }), { userId: USER })).toMatchObject({
      enabled: false,
      reason: "disabled",
    });
  });

  it("turns the feature on for an whitelisted user, then customer, whatever the rollout", () => {
    const compiled = flag({ rolloutPercentage: 0, userIds: [USER], customerIds: [CUSTOMER] });
    expect(evaluateFlag(compiled, { userId: USER, customerId: CUSTOMER })).toMatchObject({ enabled: true, reason: "whitelist_user" });
    expect(evaluateFlag(compiled, { customerId: CUSTOMER })).toMatchObject({ enabled: true, reason: "whitelist_customer" });
    expect(evaluateFlag(compiled, { userId: "33333333-3333-4333-8333-333333333333" })).toMatchObject({ enabled: false, reason: "rollout" });
  });

  it("keeps 0 % always off and 100 % always on, with or without ids", () => {
    expect(evaluateFlag(flag({ rolloutPercentage: 0 }), { userId: USER }).enabled).toBe(false);
    expect(evaluateFlag(flag({ rolloutPercentage: 0 }), {}).enabled).toBe(false);
    expect(evaluateFlag(flag({ rolloutPercentage: 100 }), { userId: USER })).toMatchObject({ enabled: true, reason: "rollout" });
    expect(evaluateFlag(flag({ rolloutPercentage: 100 }), {})).toEqual({ enabled: true, reason: "rollout", bucket: null });
  });

  it("is off between 0 and 100 % when there is no id to hash", () => {
    expect(evaluateFlag(flag({ rolloutPercentage: 99 }), {})).toEqual({ enabled: false, reason: "rollout", bucket: null });
  });

  it("hashes the customer when given, so a whole customer sees the same thing", () => {
    const compiled = flag({ rolloutPercentage: 50 });
    const expected = evaluateFlag(compiled, { customerId: CUSTOMER });
    const next = seededUuids(4);
    for (let i = 0; i < 50; i++) {
      const result = evaluateFlag(compiled, { userId: next(), customerId: CUSTOMER });
      expect(result.enabled).toBe(expected.enabled);
      expect(result.bucket).toBe(bucketOf("s4lt", CUSTOMER));
    }
    expect(evaluateFlag(compiled, { userId: USER }).bucket).toBe(bucketOf("s4lt", USER));
  });

  it("decides by bucket < percentage", () => {
    const bucket = bucketOf("s4lt", USER);
    expect(evaluateFlag(flag({ rolloutPercentage: bucket }), { userId: USER }).enabled).toBe(false);
    expect(evaluateFlag(flag({ rolloutPercentage: bucket + 1 }), { userId: USER }).enabled).toBe(bucket + 1 <= 100);
  });

  it("answers the same on the hot path (isFlagOn, one prepared context) as with its reason", () => {
    const ids = fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 12 })), { nil: undefined });
    const rules = fc.record({
      enabled: fc.boolean(),
      rolloutPercentage: fc.integer({ min: 0, max: 100 }),
      userIds: fc.array(fc.oneof(fc.constant(USER.toUpperCase()), fc.uuid()), { maxLength: 3 }),
      customerIds: fc.array(fc.oneof(fc.constant(CUSTOMER), fc.uuid()), { maxLength: 3 }),
      salt: fc.stringMatching(/^[a-z0-9]{1,16}$/),
    });
    fc.assert(
      fc.property(rules, fc.option(fc.constantFrom(USER, USER.toUpperCase()), { nil: undefined }), ids, (r, userId, customerId) => {
        const compiled = flag(r);
        const context = { userId, customerId };
        return isFlagOn(compiled, prepareContext(context)) === evaluateFlag(compiled, context).enabled;
      }),
      { numRuns: 2000 },
    );
  });
});
