// The spec's feature-flag library ("Library: /src/lib/portal/feature-flags.ts"), with its
// signatures and results: the eight functions, called as the spec calls them.
//
//   import { isFeatureEnabled } from "portal-health-status/feature-flags";
//   await isFeatureEnabled("portal_dark_mode", { userId, customerId });
//
// The module-level functions use the database given to configureFeatureFlags(), or else
// DATABASE_URL from the environment (a Node service: Neon's driver for a Neon database,
// node-postgres for any other). Inside the Worker, featureFlagsFor(db) binds them to the
// request's database instead. Every default the service applies applies here too: a new
// flag starts off, the flag budget is the service's FLAG_LIMIT, input is validated as the
// admin API validates it, and every change is audited.
import type { z } from "zod";
import type { Database } from "../../db/client.ts";
import { evaluateFlag, isFlagOn, prepareContext } from "../../flags/evaluate.ts";
import { loadCompiledFlag, loadCompiledFlags } from "../../flags/read-flags.ts";
import type { FlagView } from "../../flags/flag-view.ts";
import { gradualRollout as startRollout } from "../../flags/rollouts.ts";
import { FlagPatchBody, Id, NewFlagBody, RolloutBody } from "../../flags/schemas.ts";
import {
  addCustomerToWhitelist as addCustomer,
  addUserToWhitelist as addUser,
  createFeatureFlag as createFlag,
  updateFeatureFlag as updateFlag,
} from "../../flags/write-flags.ts";
import type { SignalRecorder, SignalWriter } from "../../signals/recorder.ts";
import { DomainError } from "../domain-error.ts";

/** Who a flag is evaluated for: any identifiers (they are hashed), both optional. */
export interface FeatureContext {
  userId?: string | null;
  customerId?: string | null;
}

/** The spec's reasons; `not_found` for a key no flag has (then `enabled` is false). */
export type FeatureReason = "disabled" | "prerequisite_failed" | "whitelist_user" | "whitelist_customer" | "rollout" | "not_found";

export interface FeatureCheck {
  enabled: boolean;
  reason: FeatureReason;
}

export type NewFeatureFlag = z.input<typeof NewFlagBody>;
export type FeatureFlagPatch = z.input<typeof FlagPatchBody>;
export type RolloutPlan = z.input<typeof RolloutBody>;
export type { FlagView };

export interface FeatureFlags {
  isFeatureEnabled(key: string, context?: FeatureContext): Promise<boolean>;
  checkFeatureFlag(key: string, context?: FeatureContext): Promise<FeatureCheck>;
  getEnabledFeatures(context?: FeatureContext): Promise<string[]>;
  updateFeatureFlag(key: string, patch: FeatureFlagPatch, actorId?: string | null): Promise<FlagView>;
  createFeatureFlag(input: NewFeatureFlag, actorId?: string | null): Promise<FlagView>;
  addUserToWhitelist(key: string, userId: string, actorId?: string | null): Promise<FlagView>;
  addCustomerToWhitelist(key: string, customerId: string, actorId?: string | null): Promise<FlagView>;
  gradualRollout(key: string, plan: RolloutPlan, actorId?: string | null): Promise<FlagView>;
}

export interface FeatureFlagOptions {
  /** The flag budget createFeatureFlag enforces: the service's FLAG_LIMIT. */
  flagLimit: number;
  /** Who changes are recorded as when a call names no actor (null: nobody in particular). */
  actorId?: string | null;
  clock?: () => Date;
  /** Where evaluations are counted (feature signals), and how they are written (at most once a minute). */
  signals?: { recorder: SignalRecorder; write: SignalWriter; onError?: (error: unknown) => void };
}

/** Input checked as the admin API checks it; a refusal names the field and changes nothing. */
function valid<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  throw new DomainError("invalid", "VALIDATION_ERROR", `${where}${issue.message}`);
}

const actor = (given: string | null | undefined, fallback: string | null | undefined): string | null => {
  const id = given ?? fallback ?? null;
  return id === null ? null : valid(Id, id);
};

/** The spec's eight functions, bound to one database. */
export function featureFlagsFor(db: Database, options: FeatureFlagOptions): FeatureFlags {
  const now = () => options.clock?.() ?? new Date();
  const record = (results: [string, boolean][], context: FeatureContext) => {
    const signals = options.signals;
    if (!signals) return;
    const at = now();
    const { hashed } = prepareContext(context);
    for (const [key, on] of results) signals.recorder.evaluated(key, on, hashed, at);
    signals.recorder.flushIfDue(signals.write, at.getTime()).catch((error: unknown) => signals.onError?.(error));
  };
  return {
    async isFeatureEnabled(key, context = {}) {
      const flag = await loadCompiledFlag(db, key);
      if (!flag) return false;
      const on = isFlagOn(flag, prepareContext(context));
      record([[key, on]], context);
      return on;
    },
    async checkFeatureFlag(key, context = {}) {
      const flag = await loadCompiledFlag(db, key);
      if (!flag) return { enabled: false, reason: "not_found" };
      const { enabled, reason } = evaluateFlag(flag, context);
      record([[key, enabled]], context);
      return { enabled, reason };
    },
    async getEnabledFeatures(context = {}) {
      const prepared = prepareContext(context);
      const results = (await loadCompiledFlags(db)).map((flag): [string, boolean] => [flag.key, isFlagOn(flag, prepared)]);
      record(results, context);
      return results.filter(([, on]) => on).map(([key]) => key);
    },
    async updateFeatureFlag(key, patch, actorId) {
      return (await updateFlag(db, key, valid(FlagPatchBody, patch), actor(actorId, options.actorId), now())).flag;
    },
    createFeatureFlag: (input, actorId) =>
      createFlag(db, valid(NewFlagBody, input), actor(actorId, options.actorId), { flagLimit: options.flagLimit, now: now() }),
    async addUserToWhitelist(key, userId, actorId) {
      return (await addUser(db, key, valid(Id, userId), actor(actorId, options.actorId))).flag;
    },
    async addCustomerToWhitelist(key, customerId, actorId) {
      return (await addCustomer(db, key, valid(Id, customerId), actor(actorId, options.actorId))).flag;
    },
    gradualRollout: (key, plan, actorId) => startRollout(db, key, valid(RolloutBody, plan), actor(actorId, options.actorId), now()),
  };
}

/** What configureFeatureFlags() accepts: a connection string, or a database and its options. */
export type FeatureFlagTarget =
  | string
  | { connectionString: string; driver?: "neon" | "node-postgres"; actorId?: string | null; flagLimit?: number }
  | ({ database: Database } & FeatureFlagOptions);

let bound: Promise<FeatureFlags> | undefined;

/** Where the module-level functions find their database (replacing any earlier choice). */
export function configureFeatureFlags(target: FeatureFlagTarget): void {
  bound =
    typeof target === "object" && "database" in target
      ? Promise.resolve(featureFlagsFor(target.database, target))
      : import("./connect.ts").then((m) => m.featureFlagsFromConnectionString(typeof target === "string" ? { connectionString: target } : target));
}

function library(): Promise<FeatureFlags> {
  if (!bound) {
    const url = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DATABASE_URL;
    if (!url) {
      return Promise.reject(
        new Error("feature-flags: no database; call configureFeatureFlags(connectionString) first, or set DATABASE_URL in the environment"),
      );
    }
    configureFeatureFlags(url);
  }
  return bound!;
}

/** Writes the evaluations counted so far (they are written at most once a minute otherwise). */
export async function flushFeatureSignals(): Promise<void> {
  if (bound) await (await import("./connect.ts")).flushNodeSignals();
}

export const isFeatureEnabled: FeatureFlags["isFeatureEnabled"] = async (...args) => (await library()).isFeatureEnabled(...args);
export const checkFeatureFlag: FeatureFlags["checkFeatureFlag"] = async (...args) => (await library()).checkFeatureFlag(...args);
export const getEnabledFeatures: FeatureFlags["getEnabledFeatures"] = async (...args) => (await library()).getEnabledFeatures(...args);
export const updateFeatureFlag: FeatureFlags["updateFeatureFlag"] = async (...args) => (await library()).updateFeatureFlag(...args);
export const createFeatureFlag: FeatureFlags["createFeatureFlag"] = async (...args) => (await library()).createFeatureFlag(...args);
export const addUserToWhitelist: FeatureFlags["addUserToWhitelist"] = async (...args) => (await library()).addUserToWhitelist(...args);
export const addCustomerToWhitelist: FeatureFlags["addCustomerToWhitelist"] = async (...args) => (await library()).addCustomerToWhitelist(...args);
export const gradualRollout: FeatureFlags["gradualRollout"] = async (...args) => (await library()).gradualRollout(...args);
