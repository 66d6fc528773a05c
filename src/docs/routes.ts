// The generated OpenAPI 3.1 document, and a reference page rendered from it on the
// server: no script from a CDN, so it works offline and under a strict CSP.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { AppEnv } from "../env.ts";
import { PUBLIC } from "../http/openapi.ts";

const TAGS = [
  { name: "Public", description: "Health and status for monitors, status pages and the portal: no credentials, limited per client, cached at the edge" },
  { name: "Status page", description: "The status page and the formats other tools read: RSS, Atom, iCalendar, a badge" },
  { name: "Statuspage v2", description: "Atlassian Statuspage's public API v2, field for field" },
  { name: "OFREP", description: "OpenFeature Remote Evaluation Protocol v1, for OpenFeature SDKs; a flag client token; CORS for browsers" },
  { name: "Admin: flags", description: "Feature flags; an admin token; every change audited" },
  { name: "Admin: rollouts", description: "Gradual rollouts of a flag" },
  { name: "Admin: maintenance", description: "Maintenance windows" },
  { name: "Admin: incidents", description: "Incidents and their timelines" },
  { name: "Admin: audit", description: "The audit log" },
  { name: "Admin: reports", description: "The daily health report and the flag audit" },
  { name: "Service", description: "Liveness and this document" },
];

/** The document's configuration; `servers` is PUBLIC_URL when set, else this origin (relative). */
const documentConfig = (c?: Context<AppEnv>) => ({
  openapi: "3.1.0",
  info: {
    title: "Portal Health & Status API",
    version: "v1",
    description: "Public health and status of the customer portal: component health, maintenance windows, feature flags and known issues.",
  },
  servers: [{ url: c?.get("config").publicUrl || "/", description: "This service" }],
  tags: TAGS,
});

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};

export function mountDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "A token from ADMIN_TOKENS (`<actor-uuid>=<token>,…`)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "flagClientToken", {
    type: "http",
    scheme: "bearer",
    description: "A token from FLAG_CLIENT_TOKENS, for OFREP clients",
  });
  const serviceRoute = (path: string, operationId: string, summary: string, type: string, schema: z.ZodType = z.string()) =>
    app.openAPIRegistry.registerPath({
      method: "get",
      path,
      operationId,
      summary,
      tags: ["Service"],
      ...PUBLIC,
      responses: { 200: { description: summary, content: { [type]: { schema } } } },
    });
  serviceRoute("/api/ping", "ping", "Liveness: pong, with no dependency and no middleware", "text/plain");
  serviceRoute(
    "/api/openapi.json",
    "getOpenApiDocument",
    "This OpenAPI 3.1 document",
    "application/json",
    z.object({ openapi: z.literal("3.1.0") }).catchall(z.unknown()),
  );
  serviceRoute("/docs", "getApiReference", "This document as a reference page", "text/html");
  app.doc31("/api/openapi.json", (c) => documentConfig(c));
  app.get("/docs", (c) => {
    const document = app.getOpenAPI31Document(documentConfig(c));
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    return c.html(html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${document.info.title}</title>
    <style>
      :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
      body { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
      code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
      pre { overflow-x: auto; padding: 0.75rem; border-radius: 6px; background: color-mix(in srgb, currentColor 8%, transparent); }
      section { border-top: 1px solid color-mix(in srgb, currentColor 20%, transparent); padding-top: 0.5rem; margin-top: 1.5rem; }
      .method { font-weight: 700; padding: 0 0.4rem; border-radius: 4px; background: #2563eb; color: #fff; }
    </style>
  </head>
  <body>
    <header>
      <h1>${document.info.title}</h1>
      <p>${document.info.description ?? ""}</p>
      <p>Machine-readable document: <a href="/api/openapi.json"><code>/api/openapi.json</code></a> (OpenAPI ${document.openapi}).</p>
    </header>
    <main>
      ${operations.map(
        ({ path, method, op }) => html`<section id="${method.toLowerCase()}-${path}">
          <h2><span class="method">${method}</span> <code>${path}</code></h2>
          <p><strong>${op.summary ?? ""}</strong> ${op.description ?? ""}</p>
          <h3>Responses</h3>
          <dl>
            ${Object.entries(op.responses ?? {}).map(
              ([status, response]) => html`<dt><code>${status}</code> ${response.description ?? ""}</dt>
                <dd><pre>${raw(escapeHtml(JSON.stringify(response.content?.["application/json"]?.schema ?? {}, null, 2)))}</pre></dd>`,
            )}
          </dl>
        </section>`,
      )}
      <section>
        <h2>Schemas</h2>
        ${Object.entries(document.components?.schemas ?? {}).map(
          ([name, schema]) => html`<h3 id="schema-${name}">${name}</h3><pre>${raw(escapeHtml(JSON.stringify(schema, null, 2)))}</pre>`,
        )}
      </section>
    </main>
  </body>
</html>`);
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
