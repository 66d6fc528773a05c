// The components this service reports on: the one place that lists them. Everything else —
// the probes and /api/portal/health, the status page, the Statuspage JSON, the badges and
// their cache entries, automatic incidents, the daily roll-ups, maintenance coverage, the
// API's enums — derives from this list (through ./components.ts). Adding a component is
// adding an entry here (and, for a vendor, its settings to wrangler.toml).
import { resendProbe, stripeProbe, twilioProbe, type VendorProbe } from "./vendor-probes.ts";

/**
 * service: the Worker itself (healthy whenever it answers); database: Postgres, probed
 * with a query; vendor: an HTTP API, probed with a cheap authenticated read; surface: a
 * product (the portal, the CRM) known only through incidents and maintenance.
 */
export type ComponentKind = "service" | "database" | "vendor" | "surface";

/** Which maintenance flag of a window (affects_portal, affects_crm) covers a component. */
export type Surface = "portal" | "crm";

export interface ComponentDefinition {
  /** Also its Statuspage component id and its name in every API. */
  id: string;
  /** What the public page calls it. */
  name: string;
  description: string;
  kind: ComponentKind;
  /** Vendors only. */
  probe?: VendorProbe;
  surfaces: readonly Surface[];
}

export const COMPONENTS: readonly ComponentDefinition[] = [
  { id: "api", name: "API", description: "The portal's HTTP API", kind: "service", surfaces: ["portal", "crm"] },
  { id: "database", name: "Database", description: "Customer data and bookings", kind: "database", surfaces: ["portal", "crm"] },
  { id: "stripe", name: "Payments", description: "Card payments, through Stripe", kind: "vendor", probe: stripeProbe, surfaces: ["portal"] },
  { id: "twilio", name: "SMS", description: "Text messages, through Twilio", kind: "vendor", probe: twilioProbe, surfaces: ["portal", "crm"] },
  { id: "email", name: "Email", description: "Email delivery, through Resend", kind: "vendor", probe: resendProbe, surfaces: ["portal", "crm"] },
  { id: "portal", name: "Customer portal", description: "The web portal customers use", kind: "surface", surfaces: ["portal"] },
  { id: "crm", name: "CRM", description: "The internal CRM", kind: "surface", surfaces: ["crm"] },
];
