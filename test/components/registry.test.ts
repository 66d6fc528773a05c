import { describe, expect, it } from "vitest";
import { allComponents } from "../../src/components/components.ts";
import { COMPONENT_PATTERN } from "../../src/db/schema.ts";

// What the database and the APIs assume of every entry, checked here rather than at the
// first insert of a component added with a typo.
describe("the component registry", () => {
  const components = allComponents();

  it("has unique ids in the form the database accepts", () => {
    const ids = components.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(new RegExp(COMPONENT_PATTERN));
  });

  it("gives every vendor a probe and nothing else one, and every component a surface", () => {
    for (const c of components) {
      expect(c.probe !== undefined, c.id).toBe(c.kind === "vendor");
      expect(c.surfaces.length, c.id).toBeGreaterThan(0);
    }
    expect(components.filter((c) => c.kind === "database")).toHaveLength(1);
  });
});
