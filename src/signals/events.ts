// Events applications report about flags (OpenFeature track()): their names, and which of
// the flags they name exist.
import { inArray } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { featureFlags } from "../db/schema.ts";

/** As flag_signal_hours' CHECK has it (signal "event:<name>"). */
export const EVENT_NAME_PATTERN = "^[a-z][a-z0-9_.-]{0,63}$";

export async function existingFlagKeys(db: Database, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  return (await db.select({ key: featureFlags.key }).from(featureFlags).where(inArray(featureFlags.key, keys))).map((r) => r.key);
}
