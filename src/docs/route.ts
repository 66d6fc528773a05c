// The generated OpenAPI 3.1 document, and a reference page rendered from it on the
// server: no script from a CDN, so it works offline and under a strict CSP.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { html, raw } from "hono/html";
import type { AppEnv } from "../env.ts";

const DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Portal Health & Status API",
    version: "v1",
    description: "Public health and status of the customer portal: component health, maintenance windows, feature flags and known issues.",
  },
};

type Operation = { summary?: string; description?: string; tags?: string[]; responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }> };

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
  app.doc31("/api/openapi.json", DOCUMENT_CONFIG);
  app.get("/docs", (c) => {
    const document = app.getOpenAPI31Document(DOCUMENT_CONFIG);
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
