import { describe, expect, it } from "vitest";
import * as real from "../../node_modules/zod/index.js";
import * as trimmed from "../../src/lib/zod-without-locales.ts";

// The Worker's "zod" is src/lib/zod-without-locales.ts (wrangler.toml [alias]): the same
// members as zod's own entry point but for two namespaces nothing here uses. When a zod
// upgrade adds or moves a member, this says so before a build ships without it.
describe("zod without locales", () => {
  it("has every member of zod's entry point but locales and core", () => {
    const expected = Object.keys(real).filter((name) => name !== "locales" && name !== "core");
    expect(Object.keys(trimmed).sort()).toEqual(expected.sort());
    expect(Object.keys(trimmed.z).sort()).toEqual(
      Object.keys(real.z)
        .filter((name) => name !== "locales" && name !== "core")
        .sort(),
    );
  });

  it("is the same zod: its schemas, errors and English messages", () => {
    expect(trimmed.ZodString).toBe(real.ZodString);
    const result = trimmed.z.object({ n: trimmed.z.number().int() }).safeParse({ n: "x" });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe("Invalid input: expected number, received string");
  });
});
