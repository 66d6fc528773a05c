/** @jsxImportSource hono/jsx */
// The flag pages: the list with what needs attention, and one flag with every control.
import type { FC } from "hono/jsx";
import type { CompactAuditEntry } from "../audit/read-audit.ts";
import type { FlagEvaluation } from "../flags/evaluate.ts";
import type { FlagView } from "../flags/flag-view.ts";
import { percentageAtStep, stepAt, totalSteps } from "../flags/rollout-plan.ts";
import type { ConsoleUser } from "./identity.ts";
import { allComponents } from "../components/components.ts";
import { AuditTable } from "./audit-pages.tsx";
import { Field, FormErrorList, FormToken, noErrors, Shell, Time, type FormErrors, type Notice } from "./layout.tsx";

export interface FlagListModel {
  flags: FlagView[];
  limit: number;
  staleDays: number;
  now: Date;
  create: { errors: FormErrors; values: Record<string, string> };
}

const DAY_MS = 86_400_000;

export function flagWarnings(flag: FlagView, staleDays: number, now: Date): string[] {
  const warnings: string[] = [];
  if (flag.fullRolloutSince && now.getTime() - new Date(flag.fullRolloutSince).getTime() >= staleDays * DAY_MS) {
    warnings.push(`Stale: fully on since ${flag.fullRolloutSince.slice(0, 10)}; remove it from the code`);
  }
  if (flag.removeBy && flag.removeBy < now.toISOString().slice(0, 10)) warnings.push(`Past its remove-by date (${flag.removeBy})`);
  if (flag.rollout?.status === "held") warnings.push(`Rollout held: ${flag.rollout.holdReason ?? "its guard tripped"}`);
  return warnings;
}

/** The percentage the next step brings: the step that falls due at nextStepAt, whatever the cron has applied so far. */
function nextPercentage(plan: NonNullable<FlagView["rollout"]>): number | null {
  if (!plan.nextStepAt) return null;
  return percentageAtStep(plan, stepAt({ ...plan, startedAt: new Date(plan.startedAt) }, new Date(plan.nextStepAt)));
}

const State: FC<{ flag: FlagView }> = ({ flag }) => (flag.enabled ? <span class="badge ok">On</span> : <span class="badge muted">Off</span>);

const Progress: FC<{ flag: FlagView }> = ({ flag }) => {
  const plan = flag.rollout;
  if (!plan) return <span class="muted">—</span>;
  return (
    <span>
      {plan.status} · step {plan.step} of {plan.totalSteps} → {plan.endPercentage} %
      {plan.nextStepAt && plan.status === "active" && (
        <>
          <br />
          next {nextPercentage(plan)} % at <Time at={plan.nextStepAt} />
        </>
      )}
    </span>
  );
};

export const FlagListPage: FC<{ user: ConsoleUser; model: FlagListModel; notices: Notice[] }> = ({ user, model, notices }) => {
  const { flags, limit, staleDays, now, create } = model;
  const budget: Notice[] =
    flags.length >= limit
      ? [{ tone: "warn", text: `The flag budget is used up: ${flags.length} of ${limit} flags. Remove flags that are fully rolled out before adding more.` }]
      : [];
  const v = create.values;
  return (
    <Shell title="Feature flags" user={user} section="flags" notices={[...notices, ...budget]}>
      <p class="muted">
        {flags.length} of {limit} flags in use.
      </p>
      <div class="scroll" tabindex={0}>
        <table>
          <caption class="muted" style="text-align:left">
            Every flag, by key
          </caption>
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">State</th>
              <th scope="col">Rollout</th>
              <th scope="col">Gradual rollout</th>
              <th scope="col">Whitelists</th>
              <th scope="col">Needs attention</th>
            </tr>
          </thead>
          <tbody>
            {flags.map((flag) => (
              <tr>
                <td>
                  <a href={`/admin/flags/${flag.key}`}>{flag.key}</a>
                  <br />
                  <span class="muted">{flag.name}</span>
                </td>
                <td>
                  <State flag={flag} />
                </td>
                <td>{flag.rolloutPercentage} %</td>
                <td>
                  <Progress flag={flag} />
                </td>
                <td>
                  {flag.userIds.length} users, {flag.customerIds.length} customers
                </td>
                <td>
                  {flagWarnings(flag, staleDays, now).map((w) => (
                    <div class="warn">{w}</div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="create">Create a flag</h2>
      <form method="post" action="/admin/flags" class="card" aria-labelledby="create">
        <FormToken user={user} />
        <FormErrorList errors={create.errors} />
        <Field id="key" label="Key" hint="snake_case, as the code asks for it; cannot change later" error={create.errors.fields.key}>
          {(aria) => <input {...aria} name="key" value={v.key ?? ""} required autocomplete="off" />}
        </Field>
        <Field id="name" label="Name" error={create.errors.fields.name}>
          {(aria) => <input {...aria} name="name" value={v.name ?? ""} required />}
        </Field>
        <Field id="description" label="Description" error={create.errors.fields.description}>
          {(aria) => (
            <textarea {...aria} name="description">
              {v.description ?? ""}
            </textarea>
          )}
        </Field>
        <Field id="rolloutPercentage" label="Rollout percentage" error={create.errors.fields.rolloutPercentage}>
          {(aria) => <input {...aria} type="number" min="0" max="100" name="rolloutPercentage" value={v.rolloutPercentage ?? "100"} />}
        </Field>
        <label class="check">
          <input type="checkbox" name="enabled" checked={v.enabled === "on"} /> Switch it on now
        </label>
        <button type="submit">Create flag</button>
      </form>
    </Shell>
  );
};

/** Which form on the flag page a result or an error belongs to. */
export type FlagForm = "state" | "percentage" | "details" | "userIds" | "customerIds" | "rollout" | "check" | "delete";

export interface FlagPageModel {
  flag: FlagView;
  audit: CompactAuditEntry[];
  actorNames: Map<string, string>;
  staleDays: number;
  now: Date;
  /** The form just sent, with what was typed and what was wrong. */
  sent?: { form: FlagForm; errors: FormErrors; values: Record<string, string>; lists?: Record<string, string[]> };
  preview?: { startPercentage: number; endPercentage: number; durationHours: number; intervalHours: number };
  check?: { evaluation: FlagEvaluation; userId?: string; customerId?: string };
}

const SHOWN_IDS = 50;

export const FlagPage: FC<{ user: ConsoleUser; model: FlagPageModel; notices: Notice[] }> = ({ user, model, notices }) => {
  const { flag, sent, now } = model;
  const errorsOf = (form: FlagForm) => (sent?.form === form ? sent.errors : noErrors());
  const sentList = (name: string) => (sent?.lists?.[name] ?? []) as string[];
  const sentValue = (form: FlagForm, name: string, fallback: string) => (sent?.form === form ? (sent.values[name] ?? fallback) : fallback);
  const action = (path: string) => `/admin/flags/${flag.key}/${path}`;
  const warnings = flagWarnings(flag, model.staleDays, now).map((text): Notice => ({ tone: "warn", text }));
  return (
    <Shell title={`Flag ${flag.key}`} user={user} section="flags" notices={[...notices, ...warnings]}>
      <p>
        <a href="/admin/flags">All flags</a>
      </p>
      <div class="grid">
        <section class="card" aria-labelledby="state-h">
          <h2 id="state-h">State</h2>
          <p>
            <State flag={flag} /> at <strong>{flag.rolloutPercentage} %</strong>. {flag.name}
          </p>
          <p class="muted">
            Changed <Time at={flag.updatedAt} />
            {flag.requires.length > 0 && ` · requires ${flag.requires.join(", ")}`}
            {flag.dependsOn.length > 0 && ` · depends on ${flag.dependsOn.join(", ")}`}
          </p>
          <form method="post" action={action("state")}>
            <FormToken user={user} />
            <FormErrorList errors={errorsOf("state")} />
            <input type="hidden" name="enabled" value={flag.enabled ? "off" : "on"} />
            <button type="submit" class={flag.enabled ? "danger" : undefined}>
              {flag.enabled ? "Switch off" : "Switch on"}
            </button>
          </form>
          <form method="post" action={action("percentage")}>
            <FormToken user={user} />
            <FormErrorList errors={errorsOf("percentage")} />
            <Field
              id="percentage"
              label="Rollout percentage"
              hint={flag.rollout ? "Setting it by hand cancels the gradual rollout" : "0–100: the share of users and customers it is on for"}
              error={errorsOf("percentage").fields.rolloutPercentage}
            >
              {(aria) => (
                <input
                  {...aria}
                  type="number"
                  min="0"
                  max="100"
                  name="rolloutPercentage"
                  value={sentValue("percentage", "rolloutPercentage", String(flag.rolloutPercentage))}
                />
              )}
            </Field>
            <button type="submit">Set percentage</button>
          </form>
        </section>

        <section class="card" aria-labelledby="rollout-h">
          <h2 id="rollout-h">Gradual rollout</h2>
          <RolloutControls user={user} model={model} errors={errorsOf("rollout")} sentValue={(n, f) => sentValue("rollout", n, f)} />
        </section>

        <section class="card" aria-labelledby="check-h">
          <h2 id="check-h">Try an evaluation</h2>
          <form method="post" action={action("check")}>
            <FormToken user={user} />
            <FormErrorList errors={errorsOf("check")} />
            <Field id="check-user" label="User id" hint="A uuid; leave empty for none" error={errorsOf("check").fields.userId}>
              {(aria) => <input {...aria} name="userId" value={sentValue("check", "userId", "")} autocomplete="off" />}
            </Field>
            <Field id="check-customer" label="Customer id" error={errorsOf("check").fields.customerId}>
              {(aria) => <input {...aria} name="customerId" value={sentValue("check", "customerId", "")} autocomplete="off" />}
            </Field>
            <button type="submit">Evaluate</button>
          </form>
          {model.check && (
            <p role="status" class="notice">
              <strong>{model.check.evaluation.enabled ? "On" : "Off"}</strong> — reason: {model.check.evaluation.reason}
              {model.check.evaluation.bucket !== null && `, bucket ${model.check.evaluation.bucket} (on below ${flag.rolloutPercentage})`}
            </p>
          )}
        </section>
      </div>

      <div class="grid">
        <Whitelist user={user} flag={flag} list="userIds" errors={errorsOf("userIds")} value={sentValue("userIds", "ids", "")} />
        <Whitelist user={user} flag={flag} list="customerIds" errors={errorsOf("customerIds")} value={sentValue("customerIds", "ids", "")} />
      </div>

      <section class="card" aria-labelledby="details-h">
        <h2 id="details-h">Details</h2>
        <form method="post" action={action("details")}>
          <FormToken user={user} />
          <input type="hidden" name="version" value={sentValue("details", "version", flag.updatedAt)} />
          <FormErrorList errors={errorsOf("details")} />
          <Field id="d-name" label="Name" error={errorsOf("details").fields.name}>
            {(aria) => <input {...aria} name="name" value={sentValue("details", "name", flag.name)} required />}
          </Field>
          <Field id="d-description" label="Description" error={errorsOf("details").fields.description}>
            {(aria) => (
              <textarea {...aria} name="description">
                {sentValue("details", "description", flag.description ?? "")}
              </textarea>
            )}
          </Field>
          <Field id="d-owner" label="Owner" hint="A team or a person" error={errorsOf("details").fields.owner}>
            {(aria) => <input {...aria} name="owner" value={sentValue("details", "owner", flag.owner ?? "")} />}
          </Field>
          <Field id="d-removeBy" label="Remove by" hint="YYYY-MM-DD" error={errorsOf("details").fields.removeBy}>
            {(aria) => <input {...aria} name="removeBy" value={sentValue("details", "removeBy", flag.removeBy ?? "")} placeholder="2027-03-31" />}
          </Field>
          <Field id="d-metadata" label="Metadata" hint="A JSON object" error={errorsOf("details").fields.metadata}>
            {(aria) => (
              <textarea {...aria} name="metadata">
                {sentValue("details", "metadata", JSON.stringify(flag.metadata, null, 2))}
              </textarea>
            )}
          </Field>
          <Field
            id="d-requires"
            label="Requires"
            hint="Prerequisite flag keys, one per line or comma-separated: this flag is on only where they are"
            error={errorsOf("details").fields.requires}
          >
            {(aria) => (
              <textarea {...aria} name="requires">
                {sentValue("details", "requires", flag.requires.join("\n"))}
              </textarea>
            )}
          </Field>
          <fieldset aria-describedby="d-depends-hint">
            <legend>Depends on</legend>
            <p class="hint" id="d-depends-hint">
              Components the feature relies on: its gradual rollout holds while one is unhealthy or has an open incident
            </p>
            {allComponents().map((component) => (
              <label class="check">
                <input
                  type="checkbox"
                  name="dependsOn"
                  value={component.id}
                  checked={sent?.form === "details" ? sentList("dependsOn").includes(component.id) : flag.dependsOn.includes(component.id)}
                />{" "}
                {component.name}
              </label>
            ))}
          </fieldset>
          <button type="submit">Save details</button>
        </form>
      </section>

      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <AuditTable entries={model.audit} actorNames={model.actorNames} caption={`Changes to ${flag.key}, newest first`} />
      </section>

      <section class="card" aria-labelledby="delete-h">
        <h2 id="delete-h">Delete this flag</h2>
        <form method="post" action={action("delete")}>
          <FormToken user={user} />
          <FormErrorList errors={errorsOf("delete")} />
          <Field
            id="confirm-key"
            label={`Type ${flag.key} to confirm`}
            hint="Code that still asks for the flag gets false"
            error={errorsOf("delete").fields.confirm}
          >
            {(aria) => <input {...aria} name="confirm" autocomplete="off" />}
          </Field>
          <button type="submit" class="danger">
            Delete flag
          </button>
        </form>
      </section>
    </Shell>
  );
};

const Whitelist: FC<{ user: ConsoleUser; flag: FlagView; list: "userIds" | "customerIds"; errors: FormErrors; value: string }> = ({
  user,
  flag,
  list,
  errors,
  value,
}) => {
  const ids = flag[list];
  const noun = list === "userIds" ? "user" : "customer";
  const id = `${noun}-ids`;
  return (
    <section class="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Whitelisted {noun}s</h2>
      <p>
        {ids.length} {noun}s always get the feature while the flag is on.
      </p>
      {ids.length > 0 && (
        <details>
          <summary>{ids.length > SHOWN_IDS ? `The first ${SHOWN_IDS}` : "Show them"}</summary>
          <pre>{ids.slice(0, SHOWN_IDS).join("\n")}</pre>
        </details>
      )}
      <form method="post" action={`/admin/flags/${flag.key}/${list === "userIds" ? "users" : "customers"}`}>
        <FormToken user={user} />
        <FormErrorList errors={errors} />
        <Field
          id={id}
          label={`${noun[0]!.toUpperCase()}${noun.slice(1)} ids`}
          hint="Paste many at once: one per line, or separated by commas"
          error={errors.fields.ids}
        >
          {(aria) => (
            <textarea {...aria} name="ids">
              {value}
            </textarea>
          )}
        </Field>
        <button type="submit" name="operation" value="add">
          Add
        </button>
        <button type="submit" name="operation" value="remove" class="secondary">
          Remove
        </button>
      </form>
    </section>
  );
};

const RolloutControls: FC<{
  user: ConsoleUser;
  model: FlagPageModel;
  errors: FormErrors;
  sentValue: (name: string, fallback: string) => string;
}> = ({ user, model, errors, sentValue }) => {
  const { flag } = model;
  const plan = flag.rollout;
  const action = (path: string) => `/admin/flags/${flag.key}/rollout/${path}`;
  if (plan) {
    return (
      <>
        <FormErrorList errors={errors} />
        <p>
          <span class="badge accent">{plan.status}</span> from {plan.startPercentage} % to {plan.endPercentage} % over {plan.durationHours} h, a step every{" "}
          {plan.intervalHours} h.
        </p>
        <p>
          Step {plan.step} of {plan.totalSteps}: {plan.plannedPercentage} %.{" "}
          {plan.nextStepAt && plan.status === "active" ? (
            <>
              Next: {nextPercentage(plan)} % at <Time at={plan.nextStepAt} />.
            </>
          ) : (
            ""
          )}
        </p>
        {plan.holdReason && <p class="warn">Held: {plan.holdReason}</p>}
        {(plan.status === "active" || plan.status === "held") && (
          <form class="inline" method="post" action={action("pause")}>
            <FormToken user={user} />
            <button type="submit">Pause rollout</button>
          </form>
        )}
        {(plan.status === "paused" || plan.status === "held") && (
          <form class="inline" method="post" action={action("resume")}>
            <FormToken user={user} />
            <button type="submit">Resume rollout</button>
          </form>
        )}
        <form class="inline" method="post" action={action("cancel")}>
          <FormToken user={user} />
          <button type="submit" class="danger">
            Cancel rollout
          </button>
        </form>
      </>
    );
  }
  const preview = model.preview;
  return (
    <form method="post" action={action("start")}>
      <FormToken user={user} />
      <FormErrorList errors={errors} />
      <p class="muted">Raises the percentage step by step; the cron applies each step, and holds while a dependency is unhealthy.</p>
      <Field id="r-start" label="Start percentage" error={errors.fields.startPercentage}>
        {(aria) => <input {...aria} type="number" min="0" max="100" name="startPercentage" value={sentValue("startPercentage", "0")} />}
      </Field>
      <Field id="r-end" label="End percentage" error={errors.fields.endPercentage}>
        {(aria) => <input {...aria} type="number" min="0" max="100" name="endPercentage" value={sentValue("endPercentage", "100")} />}
      </Field>
      <Field id="r-duration" label="Duration (hours)" error={errors.fields.durationHours}>
        {(aria) => <input {...aria} type="number" min="1" name="durationHours" value={sentValue("durationHours", "168")} />}
      </Field>
      <Field id="r-interval" label="A step every (hours)" error={errors.fields.intervalHours}>
        {(aria) => <input {...aria} type="number" min="1" name="intervalHours" value={sentValue("intervalHours", "24")} />}
      </Field>
      <Field
        id="r-error-rate"
        label="Hold above this error rate (%)"
        hint="Optional: error events ÷ evaluations during a step"
        error={errors.fields.maxErrorRate}
      >
        {(aria) => <input {...aria} type="number" min="0" max="100" step="0.1" name="maxErrorRate" value={sentValue("maxErrorRate", "")} />}
      </Field>
      <Field id="r-min-evaluations" label="Evaluations a step needs before its error rate counts" hint="100 by default" error={errors.fields.minEvaluations}>
        {(aria) => <input {...aria} type="number" min="1" name="minEvaluations" value={sentValue("minEvaluations", "")} />}
      </Field>
      <Field id="r-on-error" label="When the error rate is too high" error={errors.fields.onErrorRate}>
        {(aria) => (
          <select {...aria} name="onErrorRate">
            <option value="hold" selected={sentValue("onErrorRate", "hold") === "hold"}>
              Hold at the current step
            </option>
            <option value="rollback" selected={sentValue("onErrorRate", "hold") === "rollback"}>
              Go back one step and hold
            </option>
          </select>
        )}
      </Field>
      <Field id="r-resume" label="Resume once clear for (minutes)" hint="30 by default" error={errors.fields.resumeAfterMinutes}>
        {(aria) => <input {...aria} type="number" min="1" name="resumeAfterMinutes" value={sentValue("resumeAfterMinutes", "")} />}
      </Field>
      {preview && <StepPreview plan={preview} now={model.now} />}
      <button type="submit" name="intent" value="preview" class="secondary">
        Preview steps
      </button>
      <button type="submit" name="intent" value="start">
        Start rollout
      </button>
    </form>
  );
};

const StepPreview: FC<{ plan: NonNullable<FlagPageModel["preview"]>; now: Date }> = ({ plan, now }) => {
  const steps = totalSteps(plan);
  const shown = Math.min(steps, 50);
  return (
    <div class="scroll" role="status" tabindex={0}>
      <table>
        <caption style="text-align:left">
          The plan, if started now: {steps + 1} percentages{steps > shown ? ` (the first ${shown + 1} shown)` : ""}
        </caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">At</th>
            <th scope="col">Percentage</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: shown + 1 }, (_, step) => (
            <tr>
              <td>{step}</td>
              <td>
                <Time at={new Date(now.getTime() + Math.min(step * plan.intervalHours, plan.durationHours) * 3_600_000)} />
              </td>
              <td>{percentageAtStep(plan, step)} %</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};
