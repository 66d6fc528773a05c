/** @jsxImportSource hono/jsx */
// The console's flag actions: each validates with the admin API's schema and calls the
// same domain function the API does, so audit, cache purging and rules are identical.
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { readAuditCompact } from "../audit/read-audit.ts";
import type { AppEnv } from "../env.ts";
import { checkFeatureFlag, getFlag, listFlags } from "../flags/read-flags.ts";
import { cancelRollout, gradualRollout, pauseRollout, resumeRollout } from "../flags/rollouts.ts";
import { CheckBody, FlagKey, FlagPatchBody, Id, NewFlagBody, RolloutBody } from "../flags/schemas.ts";
import { changeWhitelist, createFeatureFlag, deleteFeatureFlag, MAX_WHITELIST, updateFeatureFlag } from "../flags/write-flags.ts";
import { MAX_BODY_BYTES } from "../http/body-guard.ts";
import type { DomainError } from "../lib/domain-error.ts";
import { actorNames } from "./actors.ts";
import { FlagListPage, FlagPage, type FlagForm, type FlagPageModel } from "./flag-pages.tsx";
import {
  all,
  attempt,
  checked,
  formValues,
  hasErrors,
  orMissing,
  idList,
  jsonObject,
  number,
  readForm,
  statusFor,
  text,
  validate,
  type Form,
} from "./forms.ts";
import { doneRedirect, html, noErrors, problemPage, takeFlash, type FormErrors } from "./layout.tsx";

async function listPage(c: Context<AppEnv>, create: FlagListPageCreate, status: ContentfulStatusCode = 200) {
  const { limit, staleDays } = c.get("config").flags;
  const flags = await listFlags(c.get("database")());
  return html(c, status, <FlagListPage user={c.get("consoleUser")} model={{ flags, limit, staleDays, now: new Date(), create }} notices={takeFlash(c)} />);
}
type FlagListPageCreate = { errors: FormErrors; values: Record<string, string> };

async function flagPage(c: Context<AppEnv>, key: string, extra: Partial<FlagPageModel> = {}, status: ContentfulStatusCode = 200) {
  const db = c.get("database")();
  const flag = await getFlag(db, key);
  const audit = await readAuditCompact(db, { entity: "flag", key, limit: 50 });
  const model: FlagPageModel = {
    flag,
    audit,
    actorNames: await actorNames(
      db,
      audit.map((a) => a.actorId),
    ),
    staleDays: c.get("config").flags.staleDays,
    now: new Date(),
    ...extra,
  };
  return html(c, status, <FlagPage user={c.get("consoleUser")} model={model} notices={takeFlash(c)} />);
}

const noSuchFlag = (c: Context<AppEnv>) => (error: DomainError) => problemPage(c, 404, "No such flag", error.message);

/** The flag key of the path, or a 404 page for one no flag can have. */
function keyOf(c: Context<AppEnv>): string | null {
  const parsed = FlagKey.safeParse(c.req.param("key"));
  return parsed.success ? parsed.data : null;
}

/** A flag action: a missing flag is a 404 page; form errors re-render the page beside the form. */
function flagAction(form: FlagForm, run: (c: Context<AppEnv>, key: string, input: Form, errors: FormErrors) => Promise<Response | Partial<FlagPageModel>>) {
  return async (c: Context<AppEnv>) => {
    const key = keyOf(c);
    if (!key) return problemPage(c, 404, "No such flag", "There is no flag with that key.");
    const input = await readForm(c);
    const errors = noErrors();
    return orMissing(async () => {
      const outcome = await run(c, key, input, errors);
      if (outcome instanceof Response) return outcome;
      return flagPage(
        c,
        key,
        { sent: { form, errors, values: formValues(input), lists: { dependsOn: all(input, "dependsOn") } }, ...outcome },
        statusFor(errors),
      );
    }, noSuchFlag(c));
  };
}

const changed = (c: Context<AppEnv>, key: string, message: string, warnings: string[] = []) =>
  doneRedirect(c, `/admin/flags/${key}`, [{ tone: "info", text: message }, ...warnings.map((text) => ({ tone: "warn" as const, text }))]);

export const consoleFlagRoutes = new Hono<AppEnv>()
  .get("/flags", (c) => listPage(c, { errors: noErrors(), values: {} }))
  .post("/flags", async (c) => {
    const form = await readForm(c);
    const errors = noErrors();
    const description = text(form, "description").trim();
    const input = validate(
      NewFlagBody,
      {
        key: text(form, "key").trim(),
        name: text(form, "name"),
        ...(description && { description }),
        enabled: checked(form, "enabled"),
        ...(number(form, "rolloutPercentage") !== undefined && { rolloutPercentage: number(form, "rolloutPercentage") }),
      },
      errors,
    );
    const flag =
      input &&
      (await attempt(() => createFeatureFlag(c.get("database")(), input, c.get("actorId"), { flagLimit: c.get("config").flags.limit }), errors, [
        "key",
        "name",
      ]));
    if (!flag) return listPage(c, { errors, values: formValues(form) }, statusFor(errors));
    return changed(c, flag.key, `Flag ${flag.key} created`);
  })
  .get("/flags/:key", async (c) => {
    const key = keyOf(c);
    if (!key) return problemPage(c, 404, "No such flag", "There is no flag with that key.");
    return orMissing(() => flagPage(c, key), noSuchFlag(c));
  })
  .post(
    "/flags/:key/state",
    flagAction("state", async (c, key, form, errors) => {
      const wanted = text(form, "enabled");
      if (wanted !== "on" && wanted !== "off") {
        errors.form.push("Say whether to switch the flag on or off");
        return {};
      }
      const enabled = wanted === "on";
      const change = await attempt(() => updateFeatureFlag(c.get("database")(), key, { enabled }, c.get("actorId")), errors, []);
      return change ? changed(c, key, enabled ? `${key} is on` : `${key} is off`, change.warnings) : {};
    }),
  )
  .post(
    "/flags/:key/percentage",
    flagAction("percentage", async (c, key, form, errors) => {
      const patch = validate(FlagPatchBody, { rolloutPercentage: number(form, "rolloutPercentage") ?? "" }, errors);
      const change = patch && (await attempt(() => updateFeatureFlag(c.get("database")(), key, patch, c.get("actorId")), errors, ["rolloutPercentage"]));
      return change ? changed(c, key, `${key} is at ${change.flag.rolloutPercentage} %`, change.warnings) : {};
    }),
  )
  .post(
    "/flags/:key/details",
    flagAction("details", async (c, key, form, errors) => {
      const metadata = jsonObject(text(form, "metadata"), "metadata", errors) ?? (text(form, "metadata").trim() === "" ? {} : undefined);
      if (metadata && JSON.stringify(metadata).length > MAX_BODY_BYTES) errors.fields.metadata = "At most 64 KiB, as the admin API takes";
      if (hasErrors(errors)) return {};
      // The form sends every field: refuse to overwrite what someone else changed since it was opened.
      const current = await getFlag(c.get("database")(), key);
      if (text(form, "version") !== current.updatedAt) {
        errors.conflict = true;
        errors.form.push("The flag was changed since you opened this page: reload it, then make your change again.");
        return {};
      }
      // Only what was changed: a browser drops a textarea's leading line break, so an
      // untouched field must not count as an edit (nor appear in the audit log).
      const orNull = (name: string) => (text(form, name).trim() === "" ? null : text(form, name));
      const same = (sent: string | null, was: string | null) => (sent ?? "") === (was ?? "").replace(/\r\n/g, "\n").replace(/^\n/, "");
      const requires = idList(text(form, "requires"));
      const dependsOn = all(form, "dependsOn");
      const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
      const sent = { name: text(form, "name"), description: orNull("description"), owner: orNull("owner"), removeBy: orNull("removeBy") };
      const changes = {
        ...(!same(sent.name, current.name) && { name: sent.name }),
        ...(!same(sent.description, current.description) && { description: sent.description }),
        ...(!same(sent.owner, current.owner) && { owner: sent.owner }),
        ...(!same(sent.removeBy, current.removeBy) && { removeBy: sent.removeBy }),
        ...(metadata && JSON.stringify(metadata) !== JSON.stringify(current.metadata) && { metadata }),
        ...(!sameSet(requires, current.requires) && { requires }),
        ...(!sameSet(dependsOn, current.dependsOn) && { dependsOn }),
      };
      if (Object.keys(changes).length === 0) return changed(c, key, "Nothing to save: the details are as they were");
      const patch = validate(FlagPatchBody, changes, errors);
      if (!patch) return {};
      const change = await attempt(() => updateFeatureFlag(c.get("database")(), key, patch, c.get("actorId")), errors, [
        "name",
        "description",
        "owner",
        "removeBy",
        "metadata",
        "requires",
        "dependsOn",
      ]);
      return change ? changed(c, key, "Details saved", change.warnings) : {};
    }),
  )
  .post("/flags/:key/users", whitelistAction("userIds"))
  .post("/flags/:key/customers", whitelistAction("customerIds"))
  .post(
    "/flags/:key/rollout/start",
    flagAction("rollout", async (c, key, form, errors) => {
      const rate = number(form, "maxErrorRate");
      const plan = validate(
        RolloutBody,
        {
          startPercentage: number(form, "startPercentage") ?? "",
          endPercentage: number(form, "endPercentage") ?? "",
          durationHours: number(form, "durationHours") ?? "",
          intervalHours: number(form, "intervalHours") ?? "",
          ...(rate !== undefined && { maxErrorRate: typeof rate === "number" ? rate / 100 : rate }),
          ...(number(form, "minEvaluations") !== undefined && { minEvaluations: number(form, "minEvaluations") }),
          ...(text(form, "onErrorRate") && { onErrorRate: text(form, "onErrorRate") }),
          ...(number(form, "resumeAfterMinutes") !== undefined && { resumeAfterMinutes: number(form, "resumeAfterMinutes") }),
        },
        errors,
      );
      // Typed as a percentage here, a fraction in the API.
      if (errors.fields.maxErrorRate) errors.fields.maxErrorRate = "A percentage from 0 to 100";
      if (!plan) return {};
      if (text(form, "intent") === "preview") return { preview: plan };
      const flag = await attempt(() => gradualRollout(c.get("database")(), key, plan, c.get("actorId")), errors, ["intervalHours"]);
      return flag ? changed(c, key, `Gradual rollout started at ${flag.rolloutPercentage} %`) : {};
    }),
  )
  .post("/flags/:key/rollout/pause", planAction(pauseRollout, "Rollout paused"))
  .post("/flags/:key/rollout/resume", planAction(resumeRollout, "Rollout resumed"))
  .post("/flags/:key/rollout/cancel", planAction(cancelRollout, "Rollout cancelled"))
  .post(
    "/flags/:key/check",
    flagAction("check", async (c, key, form, errors) => {
      const userId = text(form, "userId").trim() || undefined;
      const customerId = text(form, "customerId").trim() || undefined;
      const context = validate(CheckBody, { userId, customerId }, errors);
      if (!context) return {};
      // An operator's trial is not a user being served: no evaluation is counted.
      return { check: { evaluation: await checkFeatureFlag(c.get("database")(), key, context), userId, customerId } };
    }),
  )
  .post(
    "/flags/:key/delete",
    flagAction("delete", async (c, key, form, errors) => {
      if (text(form, "confirm").trim() !== key) {
        errors.fields.confirm = `Type ${key} exactly to delete it`;
        return {};
      }
      const done = await attempt(() => deleteFeatureFlag(c.get("database")(), key, c.get("actorId")).then(() => true), errors, []);
      return done ? doneRedirect(c, "/admin/flags", [{ tone: "info", text: `Flag ${key} deleted` }]) : {};
    }),
  );

function whitelistAction(list: "userIds" | "customerIds") {
  return flagAction(list, async (c, key, form, errors) => {
    const ids = idList(text(form, "ids"));
    const operation = text(form, "operation") === "remove" ? "remove" : "add";
    const invalid = ids.filter((id) => !Id.safeParse(id).success);
    if (ids.length === 0) errors.fields.ids = "Give at least one id";
    else if (invalid.length > 0)
      errors.fields.ids = `Not uuids: ${invalid.slice(0, 5).join(", ")}${invalid.length > 5 ? ` and ${invalid.length - 5} more` : ""}`;
    else if (ids.length > MAX_WHITELIST) errors.fields.ids = `At most ${MAX_WHITELIST} ids at once`;
    if (hasErrors(errors)) return {};
    const change = await attempt(() => changeWhitelist(c.get("database")(), key, list, operation, ids, c.get("actorId")), errors, []);
    const noun = list === "userIds" ? "user" : "customer";
    return change ? changed(c, key, `${operation === "add" ? "Added to" : "Removed from"} the ${noun} whitelist`, change.warnings) : {};
  });
}

function planAction(change: typeof pauseRollout, message: string) {
  return flagAction("rollout", async (c, key, _form, errors) => {
    const flag = await attempt(() => change(c.get("database")(), key, c.get("actorId")), errors, []);
    return flag ? changed(c, key, message) : {};
  });
}
