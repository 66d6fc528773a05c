// Calling a vendor's probe: the request its registry entry describes, with the settings the
// configuration read for it, classified into our own words for public answers.
import type { ComponentDefinition } from "../components/components.ts";
import type { VendorProbe, VendorSettings } from "../components/vendor-probes.ts";
import { ProbeFailure } from "./probe.ts";

export async function callVendor(
  component: ComponentDefinition & { probe: VendorProbe },
  settings: VendorSettings,
  fetcher: typeof fetch,
  signal: AbortSignal,
): Promise<void> {
  const missing = component.probe.settings.credentials.filter((name) => !settings.credentials[name]);
  if (missing.length > 0) throw new ProbeFailure(`not configured: ${missing.join(", ")} not set`);
  const request = component.probe.request(settings.base, settings.credentials as Record<string, string>);
  const response = await fetcher(request.url, { headers: { ...request.headers, accept: "application/json" }, signal });
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProbeFailure(`HTTP ${response.status} from ${component.id}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ProbeFailure(`unreadable answer from ${component.id}`);
  }
  if (!component.probe.looksRight(body)) throw new ProbeFailure(`unexpected answer from ${component.id}`);
}
