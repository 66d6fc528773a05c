// One more component, as a developer adding it to src/components/registry.ts would write
// the entry. The "sixth-component" test project builds the Worker with the registry's list
// passed through withMaps (see vitest.config.ts); nothing else in src/ changes.
import type { ComponentDefinition } from "../../src/components/registry.ts";

const maps: ComponentDefinition = {
  id: "maps",
  name: "Maps",
  description: "Address lookup, through a maps API",
  kind: "vendor",
  // Settings of its own names; the test points the base at a fake vendor that answers like Stripe.
  probe: {
    settings: { base: "MAPS_API_BASE", defaultBase: "https://maps.example.com", credentials: ["MAPS_API_KEY"] },
    request: (base, { MAPS_API_KEY }) => ({ url: `${base}/v1/balance`, headers: { authorization: `Bearer ${MAPS_API_KEY}` } }),
    looksRight: (body) => typeof body === "object" && body !== null && (body as { object?: unknown }).object === "balance",
  },
  surfaces: ["crm"],
};

/** The registered components with maps after the probed ones (before the surfaces). */
export function withMaps(registered: readonly ComponentDefinition[]): readonly ComponentDefinition[] {
  return [...registered.filter((c) => c.kind !== "surface"), maps, ...registered.filter((c) => c.kind === "surface")];
}
