// The flag API's shapes, declared once: they validate requests and document the API.
import { z } from "@hono/zod-openapi";
import { componentIds } from "../components/components.ts";
import { ERROR_RATE_ACTIONS, FLAG_KEY_PATTERN, MAX_PREREQUISITES, ROLLOUT_STATUSES } from "../db/schema.ts";
import { Day, JsonObject, Text } from "../http/input.ts";
import { MAX_WHITELIST } from "./write-flags.ts";

export const FlagKey = z
  .string()
  .regex(new RegExp(FLAG_KEY_PATTERN), "must be snake_case: a lowercase letter, then 2–63 lowercase letters, digits or underscores")
  .openapi({ example: "portal_dark_mode" });

export const Id = z.uuid().openapi({ example: "3f0e4f7e-6a43-4c1b-9d0c-2d1f5e7a9b10" });
const Percentage = z.number().int().min(0).max(100);
const IdList = z.array(Id).max(MAX_WHITELIST);
const Metadata = JsonObject().openapi({ example: { owner: "growth-team" } });
const Name = Text({ max: 200, min: 1, trim: true });
const Description = Text({ max: 2000, multiline: true });
const Owner = Text({ max: 200, min: 1, trim: true }).openapi({ description: "Who owns the flag: a team or a person", example: "growth-team" });
const RemoveBy = Day.openapi({ description: "The date by which the flag should be removed (the weekly audit lists flags past it)" });
const DependsOn = z
  .array(z.enum(componentIds()))
  .max(20)
  .refine((ids) => new Set(ids).size === ids.length, { message: "names a component twice" })
  .openapi({ description: "Components the feature relies on: a rollout of the flag holds while any of them is unhealthy or has an open incident" });
const Requires = z
  .array(FlagKey)
  .max(MAX_PREREQUISITES)
  .refine((keys) => new Set(keys).size === keys.length, { message: "names a flag twice" })
  .openapi({ description: "Prerequisites: flags that must be on, for the same user and customer, for this one to be on" });

export const KeyParam = z.object({ key: FlagKey.openapi({ param: { name: "key", in: "path" } }) });
export const KeyUserParam = KeyParam.extend({ userId: Id.openapi({ param: { name: "userId", in: "path" } }) });
export const KeyCustomerParam = KeyParam.extend({ customerId: Id.openapi({ param: { name: "customerId", in: "path" } }) });

export const NewFlagBody = z
  .strictObject({
    key: FlagKey,
    name: Name,
    description: Description.nullable().optional(),
    enabled: z.boolean().optional().openapi({ description: "Master switch; defaults to false" }),
    rolloutPercentage: Percentage.optional().openapi({ description: "Defaults to 100, as in the spec's table" }),
    userIds: IdList.optional(),
    customerIds: IdList.optional(),
    metadata: Metadata.optional(),
    owner: Owner.nullable().optional(),
    removeBy: RemoveBy.nullable().optional(),
    requires: Requires.optional(),
    dependsOn: DependsOn.optional(),
  })
  .openapi("NewFlag");

export const FlagPatchBody = z
  .strictObject({
    name: Name.optional(),
    description: Description.nullable().optional(),
    enabled: z.boolean().optional(),
    rolloutPercentage: Percentage.optional().openapi({ description: "Setting it cancels an active gradual rollout" }),
    userIds: IdList.optional(),
    customerIds: IdList.optional(),
    metadata: Metadata.optional(),
    owner: Owner.nullable().optional(),
    removeBy: RemoveBy.nullable().optional(),
    requires: Requires.optional(),
    dependsOn: DependsOn.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: "give at least one field to change" })
  .openapi("FlagPatch");

export const UserBody = z.strictObject({ userId: Id }).openapi("WhitelistUser");
export const CustomerBody = z.strictObject({ customerId: Id }).openapi("WhitelistCustomer");
export const CheckBody = z.strictObject({ userId: Id.optional(), customerId: Id.optional() }).openapi("FlagCheckContext");

export const RolloutBody = z
  .strictObject({
    startPercentage: Percentage,
    endPercentage: Percentage,
    durationHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 365),
    intervalHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 365),
    maxErrorRate: z.number().min(0).max(1).nullable().optional().openapi({
      description:
        "Hold the rollout while the flag's error rate over the current step (error events ÷ evaluations) is above this (0.05 = 5 %); none by default",
    }),
    minEvaluations: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .openapi({ description: "Evaluations a step needs before its error rate counts; 100 by default" }),
    onErrorRate: z.enum(ERROR_RATE_ACTIONS).optional().openapi({ description: "hold (the default), or rollback: also go back one step" }),
    resumeAfterMinutes: z
      .number()
      .int()
      .min(1)
      .max(10_080)
      .optional()
      .openapi({ description: "Resume a held rollout once the guard has been clear this long; 30 by default" }),
  })
  .refine((plan) => plan.intervalHours <= plan.durationHours, { message: "must not exceed durationHours", path: ["intervalHours"] })
  .openapi("RolloutPlan", { example: { startPercentage: 0, endPercentage: 100, durationHours: 168, intervalHours: 24 } });

const Rollout = z
  .object({
    id: z.uuid(),
    status: z.enum(ROLLOUT_STATUSES),
    startPercentage: z.number().int(),
    endPercentage: z.number().int(),
    durationHours: z.number().int(),
    intervalHours: z.number().int(),
    startedAt: z.string(),
    pausedAt: z.string().nullable(),
    step: z.number().int(),
    totalSteps: z.number().int(),
    plannedPercentage: z.number().int(),
    nextStepAt: z.string().nullable(),
    heldAt: z.string().nullable().openapi({ description: "Set while the guard holds the rollout" }),
    holdReason: z.string().nullable(),
    guard: z.object({
      maxErrorRate: z.number().nullable(),
      minEvaluations: z.number().int(),
      onErrorRate: z.enum(ERROR_RATE_ACTIONS),
      resumeAfterMinutes: z.number().int(),
      clearSince: z.string().nullable().openapi({ description: "While held: since when the guard has been clear" }),
    }),
  })
  .openapi("Rollout");

export const Flag = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    rolloutPercentage: z.number().int(),
    userIds: z.array(z.string()),
    customerIds: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
    createdBy: z.string().nullable(),
    updatedBy: z.string().nullable(),
    fullRolloutSince: z.string().nullable().openapi({ description: "Since when the flag has been enabled at 100 %" }),
    releasedAt: z.string().nullable().openapi({ description: "When the flag was first enabled at 100 % (kept automatically)" }),
    owner: z.string().nullable(),
    removeBy: z.string().nullable().openapi({ description: "YYYY-MM-DD" }),
    requires: z.array(z.string()),
    dependsOn: z.array(z.string()),
    rollout: z.union([Rollout, z.null()]),
  })
  .openapi("Flag");

export const Evaluation = z
  .object({
    enabled: z.boolean(),
    reason: z.enum(["disabled", "prerequisite_failed", "whitelist_user", "whitelist_customer", "rollout"]),
    bucket: z.number().int().min(0).max(99).nullable().openapi({ description: "The id's rollout bucket for this flag (null without an id)" }),
  })
  .openapi("FlagEvaluation");
