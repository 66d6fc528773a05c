// The spec's flag hygiene, configurable: keep the table under a budget, and call a flag
// stale once it has been fully on for this many days.
import { positiveIntegerOr, type Env } from "../env.ts";

export interface FlagHygiene {
  flagLimit: number;
  staleDays: number;
}

export function flagHygiene(env: Pick<Env, "FLAG_LIMIT" | "STALE_FLAG_DAYS">): FlagHygiene {
  return { flagLimit: positiveIntegerOr(env.FLAG_LIMIT, 50), staleDays: positiveIntegerOr(env.STALE_FLAG_DAYS, 14) };
}
