/** @jsxImportSource hono/jsx */
// The audit log as the console shows it: who did what to which thing, and what changed.
import type { FC } from "hono/jsx";
import type { CompactAuditEntry, ListChange } from "../audit/read-audit.ts";
import type { ConsoleUser } from "./identity.ts";
import { Field, FormErrorList, Shell, Time, type FormErrors, type Notice } from "./layout.tsx";

// Bookkeeping every change moves; the row's time and actor already say it.
const BOOKKEEPING = new Set(["updatedAt", "updatedBy"]);

export type Change = { field: string; from: string; to: string } | { field: string; list: ListChange };

const shown = (v: unknown) => {
  const text = JSON.stringify(v) ?? "—";
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
};

/** The fields that changed between before and after; whitelists by what went in and out (worked out by Postgres). */
export function changedFields(entry: Pick<CompactAuditEntry, "before" | "after" | "lists">): Change[] {
  const { before, after } = entry;
  const lists: Change[] = Object.entries(entry.lists ?? {}).map(([field, list]) => ({ field, list }));
  if (before === null || after === null || typeof before !== "object" || typeof after !== "object") return lists;
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const fields: Change[] = [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => !BOOKKEEPING.has(k) && JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((field) => ({ field, from: shown(b[field]), to: shown(a[field]) }));
  return [...fields, ...lists];
}

// Each value is isolated (<bdi>): text written right to left, or a stray direction
// override in a name, cannot reorder what is shown around it.
const Ids: FC<{ ids: string[]; count: number }> = ({ ids, count }) => (
  <>
    {ids.map((id, i) => (
      <>
        {i > 0 && ", "}
        <bdi>{JSON.stringify(id)}</bdi>
      </>
    ))}
    {count > ids.length && ` and ${count - ids.length} more`}
  </>
);

const ChangeLine: FC<{ change: Change }> = ({ change }) =>
  "list" in change ? (
    <div>
      {change.field}:{" "}
      {change.list.addedCount > 0 && (
        <>
          + <Ids ids={change.list.added} count={change.list.addedCount} />
        </>
      )}
      {change.list.addedCount > 0 && change.list.removedCount > 0 && "; "}
      {change.list.removedCount > 0 && (
        <>
          − <Ids ids={change.list.removed} count={change.list.removedCount} />
        </>
      )}
    </div>
  ) : (
    <div>
      {change.field}: <bdi>{change.from}</bdi> → <bdi>{change.to}</bdi>
    </div>
  );

export const Actor: FC<{ id: string | null; names: Map<string, string> }> = ({ id, names }) =>
  id === null ? <span class="muted">system</span> : <span title={id}>{names.get(id) ?? `actor ${id.slice(0, 8)}`}</span>;

export const AuditTable: FC<{ entries: CompactAuditEntry[]; actorNames: Map<string, string>; caption: string; showEntity?: boolean }> = ({
  entries,
  actorNames,
  caption,
  showEntity,
}) =>
  entries.length === 0 ? (
    <p class="muted">No changes recorded.</p>
  ) : (
    <div class="scroll" tabindex={0}>
      <table>
        <caption class="muted" style="text-align:left">
          {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            {showEntity && <th scope="col">Of</th>}
            <th scope="col">What changed</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const changes = changedFields(e);
            return (
              <tr>
                <td>
                  <Time at={e.createdAt} />
                </td>
                <td>
                  <Actor id={e.actorId} names={actorNames} />
                </td>
                <td>
                  <code>{e.action}</code>
                </td>
                {showEntity && (
                  <td>
                    {e.entity} <code>{e.entityKey}</code>
                  </td>
                )}
                <td>
                  {changes.length ? (
                    changes.map((c) => <ChangeLine change={c} />)
                  ) : (
                    <span class="muted">{e.before === null ? "created" : e.after === null ? "removed" : "—"}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );

export interface AuditFilter {
  entity: string;
  key: string;
  actor: string;
  from: string;
  to: string;
}

export const AuditPage: FC<{
  user: ConsoleUser;
  entries: CompactAuditEntry[];
  actorNames: Map<string, string>;
  filter: AuditFilter;
  errors: FormErrors;
  entities: string[];
  olderHref: string | null;
  notices: Notice[];
}> = ({ user, entries, actorNames, filter, errors, entities, olderHref, notices }) => (
  <Shell title="Audit log" user={user} section="audit" notices={notices}>
    <form method="get" action="/admin/audit" class="card" aria-label="Filter the audit log">
      <FormErrorList errors={errors} />
      <div class="grid">
        <Field id="a-entity" label="Entity" error={errors.fields.entity}>
          {(aria) => (
            <select {...aria} name="entity">
              <option value="">Any</option>
              {entities.map((e) => (
                <option value={e} selected={filter.entity === e}>
                  {e}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="a-key" label="Key or id" error={errors.fields.key}>
          {(aria) => <input {...aria} name="key" value={filter.key} />}
        </Field>
        <Field id="a-actor" label="Actor" hint="An actor id or a signed-in email" error={errors.fields.actor}>
          {(aria) => <input {...aria} name="actor" value={filter.actor} />}
        </Field>
        <Field id="a-from" label="From (UTC)" error={errors.fields.from}>
          {(aria) => <input {...aria} type="datetime-local" name="from" value={filter.from} />}
        </Field>
        <Field id="a-to" label="To (UTC)" error={errors.fields.to}>
          {(aria) => <input {...aria} type="datetime-local" name="to" value={filter.to} />}
        </Field>
      </div>
      <button type="submit">Filter</button>
    </form>
    <AuditTable entries={entries} actorNames={actorNames} caption="Newest first" showEntity />
    {olderHref && (
      <p>
        <a href={olderHref}>Older entries</a>
      </p>
    )}
  </Shell>
);
