/** @jsxImportSource hono/jsx */
// Maintenance windows: a calendar-like list by day, scheduling with the spec's warnings
// shown before the window is saved, and one window with the moves its state allows.
import type { FC } from "hono/jsx";
import { allComponents, componentsOnSurface, windowCovers } from "../components/components.ts";
import { UPCOMING_MAINTENANCE_HOURS } from "../status/load-status.ts";
import type { CompactAuditEntry } from "../audit/read-audit.ts";
import type { MaintenanceView } from "../maintenance/view.ts";
import { AuditTable } from "./audit-pages.tsx";
import type { ConsoleUser } from "./identity.ts";
import { Field, FormErrorList, FormToken, Shell, Time, type FormErrors, type Notice } from "./layout.tsx";

const STATUS_TONE: Record<MaintenanceView["status"], string> = { scheduled: "accent", in_progress: "warn", completed: "ok", cancelled: "muted" };
const STATUS_LABEL: Record<MaintenanceView["status"], string> = {
  scheduled: "Scheduled",
  in_progress: "In progress",
  completed: "Completed",
  cancelled: "Cancelled",
};

export const WindowStatus: FC<{ status: MaintenanceView["status"] }> = ({ status }) => (
  <span class={`badge ${STATUS_TONE[status]}`}>{STATUS_LABEL[status]}</span>
);

/** The components a window takes down, by name, as the status page counts them. */
export function coveredNames(window: MaintenanceView): string[] {
  return allComponents()
    .filter((c) => windowCovers(window, c.id))
    .map((c) => c.name);
}

/** What readers see of a window, by the rules the status page and /api/portal/status use. */
function publicView(w: MaintenanceView): string {
  const portal = componentsOnSurface("portal").some((id) => windowCovers(w, id));
  const api = portal ? "" : " /api/portal/status does not report it: it covers no part of the customer portal.";
  switch (w.status) {
    case "scheduled":
      if (new Date(w.scheduledEnd) <= new Date()) return "Its scheduled end has passed without it starting, so no page lists it: start it or cancel it.";
      return `Listed under scheduled maintenance on the status page, in its feeds and its calendar; subscribers were told, and are reminded a day before.${portal ? ` /api/portal/status lists it in the ${UPCOMING_MAINTENANCE_HOURS / 24} days before it starts.` : api}`;
    case "in_progress":
      return `The affected components show as under maintenance on the status page.${portal ? " /api/portal/status reports maintenance mode (the earliest started window, when several run)." : api}`;
    case "completed":
      return "Listed under past maintenance; uptime leaves its time out for the components it covered.";
    default:
      return "No longer shown anywhere.";
  }
}

export interface ScheduleForm {
  errors: FormErrors;
  values: Record<string, string>;
  components: string[];
  /** The spec's advice the window misses: shown, and the person confirms. */
  warnings: string[];
}

export const emptySchedule = (): ScheduleForm => ({ errors: { form: [], fields: {} }, values: {}, components: [], warnings: [] });

export const MaintenanceListPage: FC<{ user: ConsoleUser; windows: MaintenanceView[]; schedule: ScheduleForm; notices: Notice[] }> = ({
  user,
  windows,
  schedule,
  notices,
}) => {
  const byDay = new Map<string, MaintenanceView[]>();
  for (const w of [...windows].sort((a, b) => a.scheduledStart.localeCompare(b.scheduledStart))) {
    const day = w.scheduledStart.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), w]);
  }
  const v = schedule.values;
  return (
    <Shell title="Maintenance" user={user} section="maintenance" notices={notices}>
      <h2 id="calendar">Windows by day (UTC)</h2>
      {byDay.size === 0 && <p class="muted">No maintenance windows.</p>}
      {[...byDay].map(([day, list]) => (
        <section aria-label={day} class="card">
          <h3>
            <time datetime={day}>{new Date(`${day}T00:00:00Z`).toUTCString().slice(0, 16)}</time>
          </h3>
          <ul>
            {list.map((w) => (
              <li>
                <a href={`/admin/maintenance/${w.id}`}>{w.title}</a> <WindowStatus status={w.status} /> <Time at={w.scheduledStart} /> –{" "}
                <Time at={w.scheduledEnd} />
                <span class="muted"> · {coveredNames(w).join(", ") || "no components"}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <h2 id="schedule">Schedule a window</h2>
      <form method="post" action="/admin/maintenance" class="card" aria-labelledby="schedule">
        <FormToken user={user} />
        <FormErrorList errors={schedule.errors} />
        {schedule.warnings.length > 0 && (
          <div class="notice warn" role="alert">
            <strong>Check before scheduling:</strong>
            <ul>
              {schedule.warnings.map((w) => (
                <li>{w}</li>
              ))}
            </ul>
            <p>Change the window and check again, or schedule it as it is with “Schedule anyway” below.</p>
          </div>
        )}
        <Field id="m-title" label="Title" error={schedule.errors.fields.title}>
          {(aria) => <input {...aria} name="title" value={v.title ?? ""} required />}
        </Field>
        <Field id="m-description" label="Description" hint="What the public reads" error={schedule.errors.fields.description}>
          {(aria) => (
            <textarea {...aria} name="description">
              {v.description ?? ""}
            </textarea>
          )}
        </Field>
        <Field id="m-start" label="Starts (UTC)" error={schedule.errors.fields.scheduledStart}>
          {(aria) => <input {...aria} type="datetime-local" name="scheduledStart" value={v.scheduledStart ?? ""} required />}
        </Field>
        <Field id="m-end" label="Ends (UTC)" error={schedule.errors.fields.scheduledEnd}>
          {(aria) => <input {...aria} type="datetime-local" name="scheduledEnd" value={v.scheduledEnd ?? ""} required />}
        </Field>
        <Field
          id="m-expected"
          label="Expected duration (minutes)"
          hint="Optional: the spec asks for a window 50 % longer"
          error={schedule.errors.fields.expectedDurationMinutes ?? schedule.errors.fields.metadata}
        >
          {(aria) => <input {...aria} type="number" min="1" name="expectedDurationMinutes" value={v.expectedDurationMinutes ?? ""} />}
        </Field>
        <fieldset aria-describedby={schedule.errors.fields.components ? "m-components-hint m-components-error" : "m-components-hint"}>
          <legend>Components taken down</legend>
          <p class="hint" id="m-components-hint">
            None chosen: the whole customer portal.
          </p>
          {allComponents().map((c) => (
            <label class="check">
              <input
                type="checkbox"
                name="components"
                value={c.id}
                checked={schedule.components.includes(c.id)}
                aria-invalid={schedule.errors.fields.components ? "true" : undefined}
              />{" "}
              {c.name}
            </label>
          ))}
          {schedule.errors.fields.components && (
            <span class="error" id="m-components-error">
              {schedule.errors.fields.components}
            </span>
          )}
        </fieldset>
        {/* First, so Enter in a field checks again rather than confirming warnings not yet seen. */}
        <button type="submit" name="intent" value="schedule">
          {schedule.warnings.length > 0 ? "Check again" : "Schedule window"}
        </button>
        {schedule.warnings.length > 0 && (
          <>
            <input type="hidden" name="seen" value={schedule.warnings.join("\n")} />
            <button type="submit" name="intent" value="confirm">
              Schedule anyway
            </button>
          </>
        )}
      </form>
    </Shell>
  );
};

export const MaintenancePage: FC<{
  user: ConsoleUser;
  window: MaintenanceView;
  audit: CompactAuditEntry[];
  actorNames: Map<string, string>;
  errors: FormErrors;
  notices: Notice[];
}> = ({ user, window: w, audit, actorNames, errors, notices }) => {
  const moves: [string, string, string | undefined][] = [];
  if (w.status === "scheduled") moves.push(["start", "Start now", undefined], ["cancel", "Cancel window", "danger"]);
  if (w.status === "in_progress") moves.push(["complete", "Complete", undefined]);
  const covered = coveredNames(w);
  return (
    <Shell title={w.title} user={user} section="maintenance" notices={notices}>
      <p>
        <a href="/admin/maintenance">All windows</a>
      </p>
      <FormErrorList errors={errors} />
      <div class="grid">
        <section class="card" aria-labelledby="w-state">
          <h2 id="w-state">
            <WindowStatus status={w.status} />
          </h2>
          <p>
            Scheduled <Time at={w.scheduledStart} /> – <Time at={w.scheduledEnd} />
          </p>
          {w.actualStart && (
            <p>
              Started <Time at={w.actualStart} />
              {w.actualEnd && (
                <>
                  , ended <Time at={w.actualEnd} />
                </>
              )}
            </p>
          )}
          {moves.map(([move, label, tone]) => (
            <form class="inline" method="post" action={`/admin/maintenance/${w.id}/${move}`}>
              <FormToken user={user} />
              <button type="submit" class={tone}>
                {label}
              </button>
            </form>
          ))}
          {moves.length === 0 && <p class="muted">A {STATUS_LABEL[w.status].toLowerCase()} window cannot change.</p>}
        </section>
        <section class="card" aria-labelledby="w-public">
          <h2 id="w-public">What the public sees</h2>
          <p>
            <strong>{w.title}</strong>
            <br />
            {w.description ?? ""}
          </p>
          <p>Affected: {covered.join(", ") || "nothing"}</p>
          <p class="muted">{publicView(w)}</p>
        </section>
      </div>
      <h2>History</h2>
      <AuditTable entries={audit} actorNames={actorNames} caption="Changes to this window, newest first" />
    </Shell>
  );
};
