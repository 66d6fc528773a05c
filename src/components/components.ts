// What the rest of the code asks of the component registry. Functions, not constants, so
// that a registry replaced in a test (a fake sixth component) is what every caller sees.
import { COMPONENTS, type ComponentDefinition, type Surface } from "./registry.ts";

export type { ComponentDefinition, ComponentKind, Surface } from "./registry.ts";

export function allComponents(): readonly ComponentDefinition[] {
  return COMPONENTS;
}

/** Every component id, as a non-empty tuple for enums. */
export function componentIds(): [string, ...string[]] {
  const ids = COMPONENTS.map((c) => c.id);
  return [ids[0]!, ...ids.slice(1)];
}

/** The components a probe round checks (everything but the surfaces), in registry order. */
export function probedComponents(): readonly ComponentDefinition[] {
  return COMPONENTS.filter((c) => c.kind !== "surface");
}

export function probedIds(): string[] {
  return probedComponents().map((c) => c.id);
}

export function vendorComponents(): readonly (ComponentDefinition & { probe: NonNullable<ComponentDefinition["probe"]> })[] {
  return COMPONENTS.filter(
    (c): c is ComponentDefinition & { probe: NonNullable<ComponentDefinition["probe"]> } => c.kind === "vendor" && c.probe !== undefined,
  );
}

export function componentById(id: string): ComponentDefinition | undefined {
  return COMPONENTS.find((c) => c.id === id);
}

/** The probed components a window flagged for this surface covers (for the roll-ups' SQL). */
export function probedOnSurface(surface: Surface): string[] {
  return probedComponents()
    .filter((c) => c.surfaces.includes(surface))
    .map((c) => c.id);
}

/** Every component on a surface (the surface's own component included). */
export function componentsOnSurface(surface: Surface): string[] {
  return COMPONENTS.filter((c) => c.surfaces.includes(surface)).map((c) => c.id);
}

/** What a maintenance window's fields say it covers. */
export interface WindowCoverage {
  affectsPortal: boolean;
  affectsCRM: boolean;
  /** Named components; null: the portal and CRM flags decide. */
  components: string[] | null;
}

/** Whether a window takes `component` down: the components it names, or the surfaces its flags cover. */
export function windowCovers(window: WindowCoverage, component: string): boolean {
  if (window.components) return window.components.includes(component);
  const surfaces = componentById(component)?.surfaces ?? [];
  return (window.affectsPortal && surfaces.includes("portal")) || (window.affectsCRM && surfaces.includes("crm"));
}
