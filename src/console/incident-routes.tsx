/** @jsxImportSource hono/jsx */
// The console's incident actions, through the admin API's schemas and domain functions.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env.ts";
import { getIncident, listIncidents, openIncident, resolveIncident, updateIncident } from "../incidents/incidents.ts";
import { IncidentPatch, NewIncident, Resolution } from "../incidents/routes.ts";
import { actorNames } from "./actors.ts";
import { attempt, formValues, orMissing, readForm, statusFor, text, validate, type Form } from "./forms.ts";
import { IncidentListPage, IncidentPage, type IncidentForm } from "./incident-pages.tsx";
import { doneRedirect, html, noErrors, problemPage, takeFlash } from "./layout.tsx";

const IncidentId = z.uuid();
const blank = (): IncidentForm => ({ errors: noErrors(), values: {} });
/** Every open incident, however old, and the 50 latest resolved ones. */
async function incidentsShown(c: Context<AppEnv>) {
  const db = c.get("database")();
  const [open, resolved] = await Promise.all([listIncidents(db, "open", 1000), listIncidents(db, "resolved", 50)]);
  return [...open, ...resolved];
}

const notFound = (c: Context<AppEnv>) => problemPage(c, 404, "No such incident", "There is no incident with that id.");

async function incidentPage(c: Context<AppEnv>, id: string, forms: { update?: IncidentForm; resolve?: IncidentForm } = {}, status: 200 | 400 | 409 = 200) {
  const db = c.get("database")();
  const incident = await getIncident(db, id);
  const names = await actorNames(db, [incident.createdBy, ...incident.updates.map((u) => u.actorId)]);
  return html(
    c,
    status,
    <IncidentPage
      user={c.get("consoleUser")}
      incident={incident}
      actorNames={names}
      update={forms.update ?? blank()}
      resolve={forms.resolve ?? blank()}
      notices={takeFlash(c)}
    />,
  );
}

/** An action on one incident; a missing one is a 404 page. */
function incidentAction(run: (c: Context<AppEnv>, id: string, form: Form) => Promise<Response>) {
  return async (c: Context<AppEnv>) => {
    const id = IncidentId.safeParse(c.req.param("id"));
    if (!id.success) return notFound(c);
    const form = await readForm(c);
    return orMissing(
      () => run(c, id.data, form),
      () => notFound(c),
    );
  };
}

export const consoleIncidentRoutes = new Hono<AppEnv>()
  .get("/incidents", async (c) =>
    html(c, 200, <IncidentListPage user={c.get("consoleUser")} incidents={await incidentsShown(c)} open={blank()} notices={takeFlash(c)} />),
  )
  .post("/incidents", async (c) => {
    const form = await readForm(c);
    const open: IncidentForm = { errors: noErrors(), values: formValues(form) };
    const input = validate(
      NewIncident,
      { component: text(form, "component"), status: text(form, "status"), phase: text(form, "phase") || undefined, message: text(form, "message") },
      open.errors,
    );
    const incident =
      input && (await attempt(() => openIncident(c.get("database")(), input, c.get("actorId")), open.errors, ["component", "status", "message"]));
    if (!incident) {
      const incidents = await incidentsShown(c);
      return html(c, statusFor(open.errors), <IncidentListPage user={c.get("consoleUser")} incidents={incidents} open={open} notices={[]} />);
    }
    return doneRedirect(c, `/admin/incidents/${incident.id}`, [{ tone: "info", text: "Incident opened" }]);
  })
  .get(
    "/incidents/:id",
    incidentAction((c, id) => incidentPage(c, id)),
  )
  .post(
    "/incidents/:id/update",
    incidentAction(async (c, id, form) => {
      const update: IncidentForm = { errors: noErrors(), values: formValues(form) };
      const patch = validate(
        IncidentPatch,
        { status: text(form, "status") || undefined, phase: text(form, "phase") || undefined, message: text(form, "message") },
        update.errors,
      );
      const incident =
        patch && (await attempt(() => updateIncident(c.get("database")(), id, patch, c.get("actorId")), update.errors, ["status", "phase", "message"]));
      if (!incident) return incidentPage(c, id, { update }, statusFor(update.errors));
      return doneRedirect(c, `/admin/incidents/${id}`, [{ tone: "info", text: `Update posted: ${incident.phase}` }]);
    }),
  )
  .post(
    "/incidents/:id/resolve",
    incidentAction(async (c, id, form) => {
      const resolve: IncidentForm = { errors: noErrors(), values: formValues(form) };
      const message = text(form, "message").trim();
      const body = validate(Resolution, message ? { message } : {}, resolve.errors);
      const incident = body && (await attempt(() => resolveIncident(c.get("database")(), id, body.message, c.get("actorId")), resolve.errors, ["message"]));
      if (!incident) return incidentPage(c, id, { resolve }, statusFor(resolve.errors));
      return doneRedirect(c, `/admin/incidents/${id}`, [{ tone: "info", text: "Incident resolved" }]);
    }),
  );
