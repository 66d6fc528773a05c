/** @jsxImportSource hono/jsx */
// Incidents: open ones first, opening one on a component, and one incident's timeline as
// the public page shows it, with the next update and the resolution.
import type { FC } from "hono/jsx";
import { allComponents, componentById } from "../components/components.ts";
import { INCIDENT_STATUSES } from "../db/schema.ts";
import { OPEN_PHASES, type IncidentView } from "../incidents/incidents.ts";
import type { ConsoleUser } from "./identity.ts";
import { Actor } from "./audit-pages.tsx";
import { Field, FormErrorList, FormToken, Shell, Time, type FormErrors, type Notice } from "./layout.tsx";

const STATUS_LABEL: Record<(typeof INCIDENT_STATUSES)[number], string> = {
  operational: "Operational",
  degraded: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
  maintenance: "Under maintenance",
};
const TONE: Record<(typeof INCIDENT_STATUSES)[number], string> = {
  operational: "ok",
  degraded: "warn",
  partial_outage: "bad",
  major_outage: "bad",
  maintenance: "accent",
};
const componentName = (id: string) => componentById(id)?.name ?? id;
const capital = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;

export const IncidentStatus: FC<{ status: (typeof INCIDENT_STATUSES)[number] }> = ({ status }) => (
  <span class={`badge ${TONE[status]}`}>{STATUS_LABEL[status]}</span>
);

export interface IncidentForm {
  errors: FormErrors;
  values: Record<string, string>;
}

const StatusSelect: FC<{ aria: Record<string, string | undefined>; value: string }> = ({ aria, value }) => (
  <select {...aria} name="status">
    {INCIDENT_STATUSES.map((s) => (
      <option value={s} selected={value === s}>
        {STATUS_LABEL[s]}
      </option>
    ))}
  </select>
);

const PhaseSelect: FC<{ aria: Record<string, string | undefined>; value: string }> = ({ aria, value }) => (
  <select {...aria} name="phase">
    {OPEN_PHASES.map((p) => (
      <option value={p} selected={value === p}>
        {capital(p)}
      </option>
    ))}
  </select>
);

export const IncidentListPage: FC<{ user: ConsoleUser; incidents: IncidentView[]; open: IncidentForm; notices: Notice[] }> = ({
  user,
  incidents,
  open,
  notices,
}) => {
  const v = open.values;
  const openOnes = incidents.filter((i) => !i.resolvedAt);
  const resolved = incidents.filter((i) => i.resolvedAt);
  const Row: FC<{ incident: IncidentView }> = ({ incident: i }) => (
    <li>
      <a href={`/admin/incidents/${i.id}`}>
        {componentName(i.component)}: {i.message ?? STATUS_LABEL[i.status]}
      </a>{" "}
      <IncidentStatus status={i.status} /> <span class="muted">{capital(i.phase)} · since</span> <Time at={i.startedAt} />
    </li>
  );
  return (
    <Shell title="Incidents" user={user} section="incidents" notices={notices}>
      <h2>Open</h2>
      {openOnes.length === 0 ? (
        <p class="muted">No open incidents.</p>
      ) : (
        <ul>
          {openOnes.map((i) => (
            <Row incident={i} />
          ))}
        </ul>
      )}
      <h2 id="open">Open an incident</h2>
      <form method="post" action="/admin/incidents" class="card" aria-labelledby="open">
        <FormToken user={user} />
        <FormErrorList errors={open.errors} />
        <Field id="i-component" label="Component" error={open.errors.fields.component}>
          {(aria) => (
            <select {...aria} name="component">
              {allComponents().map((c) => (
                <option value={c.id} selected={v.component === c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="i-status" label="Status" error={open.errors.fields.status}>
          {(aria) => <StatusSelect aria={aria} value={v.status ?? "degraded"} />}
        </Field>
        <Field id="i-phase" label="Phase" error={open.errors.fields.phase}>
          {(aria) => <PhaseSelect aria={aria} value={v.phase ?? "investigating"} />}
        </Field>
        <Field id="i-message" label="Message" hint="What the public reads" error={open.errors.fields.message}>
          {(aria) => (
            <textarea {...aria} name="message" required>
              {v.message ?? ""}
            </textarea>
          )}
        </Field>
        <button type="submit">Open incident</button>
      </form>
      <h2>Resolved</h2>
      {resolved.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul>
          {resolved.map((i) => (
            <Row incident={i} />
          ))}
        </ul>
      )}
    </Shell>
  );
};

export const IncidentPage: FC<{
  user: ConsoleUser;
  incident: IncidentView;
  actorNames: Map<string, string>;
  update: IncidentForm;
  resolve: IncidentForm;
  notices: Notice[];
}> = ({ user, incident: i, actorNames, update, resolve, notices }) => (
  <Shell title={`${componentName(i.component)}: ${STATUS_LABEL[i.status]}`} user={user} section="incidents" notices={notices}>
    <p>
      <a href="/admin/incidents">All incidents</a>
    </p>
    <p>
      <IncidentStatus status={i.status} /> <strong>{capital(i.phase)}</strong> · since <Time at={i.startedAt} />
      {i.resolvedAt && (
        <>
          {" "}
          · resolved <Time at={i.resolvedAt} />
        </>
      )}
    </p>
    <section class="card" aria-labelledby="timeline">
      <h2 id="timeline">Timeline, as the status page shows it</h2>
      <ol class="timeline">
        {[...i.updates].reverse().map((u) => (
          <li>
            <strong>{capital(u.phase)}</strong> — {u.message ?? STATUS_LABEL[u.status]}
            <br />
            <Time at={u.at} /> <span class="muted">by</span> <Actor id={u.actorId} names={actorNames} />
          </li>
        ))}
      </ol>
    </section>
    {!i.resolvedAt && (
      <div class="grid">
        <form method="post" action={`/admin/incidents/${i.id}/update`} class="card" aria-labelledby="post-update">
          <h2 id="post-update">Post an update</h2>
          <FormToken user={user} />
          <FormErrorList errors={update.errors} />
          <Field id="u-phase" label="Phase" error={update.errors.fields.phase}>
            {(aria) => <PhaseSelect aria={aria} value={update.values.phase ?? i.phase} />}
          </Field>
          <Field id="u-status" label="Status" error={update.errors.fields.status}>
            {(aria) => <StatusSelect aria={aria} value={update.values.status ?? i.status} />}
          </Field>
          <Field
            id="u-message"
            label="Update"
            hint="What the public reads; optional when only the phase or status changes"
            error={update.errors.fields.message}
          >
            {(aria) => (
              <textarea {...aria} name="message">
                {update.values.message ?? ""}
              </textarea>
            )}
          </Field>
          <button type="submit">Post update</button>
        </form>
        <form method="post" action={`/admin/incidents/${i.id}/resolve`} class="card" aria-labelledby="resolve">
          <h2 id="resolve">Resolve</h2>
          <FormToken user={user} />
          <FormErrorList errors={resolve.errors} />
          <Field id="r-message" label="Resolution" hint="Optional: what was done" error={resolve.errors.fields.message}>
            {(aria) => (
              <textarea {...aria} name="message">
                {resolve.values.message ?? ""}
              </textarea>
            )}
          </Field>
          <button type="submit">Resolve incident</button>
        </form>
      </div>
    )}
  </Shell>
);
