/** @jsxImportSource hono/jsx */
// The console's page shell and the pieces every page's forms use: labelled fields with
// their errors beside them, the form token, notices carried across a redirect.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { raw } from "hono/html";
import type { Child, FC } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env.ts";
import { consoleCookie } from "./cookies.ts";
import type { ConsoleUser } from "./identity.ts";

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;--accent:#0969da;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--on:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#161b22;--accent:#4493f8;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--on:#0d1117}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
a{color:var(--accent)}.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:2}
header.top{border-bottom:1px solid var(--line);background:var(--card)}header.top .in{max-width:72rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center}
header.top .brand{font-weight:700;color:var(--fg);text-decoration:none}nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}nav a{text-decoration:none;padding:.2rem 0}nav a[aria-current=page]{font-weight:700;border-bottom:2px solid var(--accent)}
header.top .who{margin-left:auto;display:flex;gap:.5rem;align-items:center;color:var(--muted);font-size:.875rem;flex-wrap:wrap}
main{max-width:72rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.75rem 0 .6rem}h3{font-size:1rem;margin:1rem 0 .4rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 1rem}.card>h2:first-child,.card>h3:first-child{margin-top:0}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,20rem),1fr))}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600;white-space:nowrap}
label{display:block;font-weight:600;margin:.6rem 0 .2rem}.hint{display:block;color:var(--muted);font-size:.85rem;font-weight:400}
input[type=text],input[type=number],input[type=datetime-local],input[type=email],input[type=password],input:not([type]),select,textarea{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);border-radius:6px;padding:.4rem .5rem;width:100%;max-width:36rem}
textarea{min-height:5rem}input[type=checkbox],input[type=radio]{width:1.1rem;height:1.1rem;vertical-align:middle}.check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.4rem 0}
fieldset{border:1px solid var(--line);border-radius:6px;margin:.6rem 0;padding:.5rem .75rem}legend{font-weight:600;padding:0 .25rem}
button{font:inherit;cursor:pointer;border-radius:6px;padding:.4rem .9rem;border:1px solid var(--accent);background:var(--accent);color:var(--on);margin:.6rem .5rem 0 0}
button.secondary{background:transparent;color:var(--accent)}button.danger{background:var(--bad);border-color:var(--bad);color:var(--on)}
form.inline{display:inline}form.inline button{margin-top:0}
.error{color:var(--bad);font-weight:600;display:block;margin-top:.2rem}[aria-invalid=true]{border-color:var(--bad)!important;border-width:2px!important}
.notice{border-left:4px solid var(--accent);background:var(--card);padding:.6rem .9rem;margin:0 0 1rem;border-radius:4px}.notice.warn{border-color:var(--warn)}.notice.bad{border-color:var(--bad)}
.muted,time{color:var(--muted)}.badge{display:inline-block;border:1px solid currentColor;border-radius:99px;padding:0 .5rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.accent{color:var(--accent)}
ol.timeline{list-style:none;margin:0;padding:0 0 0 1rem;border-left:2px solid var(--line)}ol.timeline li{margin:.5rem 0}
svg.chart{display:block;width:100%;max-width:40rem;height:auto}svg.chart .axis{stroke:var(--line)}svg.chart text{fill:var(--muted);font-size:10px}svg.chart .p50{stroke:var(--ok);fill:none;stroke-width:1.5}svg.chart .p95{stroke:var(--warn);fill:none;stroke-width:1.5}svg.chart .p99{stroke:var(--bad);fill:none;stroke-width:1.5}
svg.chart rect.c-ok{fill:var(--ok)}svg.chart rect.c-warn{fill:var(--warn)}svg.chart rect.c-bad{fill:var(--bad)}svg.chart rect.c-none{fill:var(--line)}
.legend{display:flex;gap:1rem;flex-wrap:wrap;font-size:.8rem}.legend .k{display:inline-block;width:.8rem;height:.2rem;vertical-align:middle;margin-right:.25rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}pre{white-space:pre-wrap;word-break:break-word;margin:0}
`;

export type Section = "flags" | "maintenance" | "incidents" | "health" | "audit";
const SECTIONS: [Section, string][] = [
  ["flags", "Flags"],
  ["maintenance", "Maintenance"],
  ["incidents", "Incidents"],
  ["health", "Health"],
  ["audit", "Audit"],
];

export interface Notice {
  tone: "info" | "warn" | "bad";
  text: string;
}

export const Shell: FC<{ title: string; user?: ConsoleUser; section?: Section; notices?: Notice[]; children?: Child }> = ({
  title,
  user,
  section,
  notices = [],
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>{`${title} · Console`}</title>
      <style>{raw(STYLE)}</style>
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="in">
          <a class="brand" href={user ? "/admin/flags" : "/admin/sign-in"}>
            Console
          </a>
          {user && (
            <nav aria-label="Console">
              <ul>
                {SECTIONS.map(([id, label]) => (
                  <li>
                    <a href={`/admin/${id}`} aria-current={section === id ? "page" : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
                <li>
                  <a href="/">Status page</a>
                </li>
              </ul>
            </nav>
          )}
          {user && (
            <div class="who">
              <span>
                Signed in as <strong>{user.name}</strong>
                {user.via === "access" ? " (Cloudflare Access)" : ""}
              </span>
              {user.via !== "access" && (
                <form class="inline" method="post" action="/admin/sign-out">
                  <FormToken user={user} />
                  <button class="secondary" type="submit">
                    Sign out
                  </button>
                </form>
              )}
            </div>
          )}
        </div>
      </header>
      <main id="main">
        <h1>{title}</h1>
        {notices.map((n) => (
          <p class={`notice ${n.tone}`} role={n.tone === "info" ? "status" : "alert"}>
            {n.text}
          </p>
        ))}
        {children}
      </main>
    </body>
  </html>
);

export const FormToken: FC<{ user: ConsoleUser }> = ({ user }) => <input type="hidden" name="_csrf" value={user.formToken} />;

/** Field errors by field name, and errors about the whole form. */
export interface FormErrors {
  form: string[];
  fields: Record<string, string>;
  /** 409 when the change conflicts with the current state; 400 otherwise. */
  conflict?: boolean;
}
export const noErrors = (): FormErrors => ({ form: [], fields: {} });

/** A labelled control with its hint and its error, tied together for screen readers. */
export const Field: FC<{ id: string; label: string; hint?: string; error?: string; children: (aria: Record<string, string | undefined>) => Child }> = ({
  id,
  label,
  hint,
  error,
  children,
}) => {
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label for={id}>
        {label}
        {hint && (
          <span class="hint" id={`${id}-hint`}>
            {hint}
          </span>
        )}
      </label>
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? "true" : undefined })}
      {error && (
        <span class="error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
};

export const FormErrorList: FC<{ errors: FormErrors }> = ({ errors }) =>
  errors.form.length > 0 || Object.keys(errors.fields).length > 0 ? (
    <div class="notice bad" role="alert">
      <strong>Nothing was changed.</strong> {errors.form.length > 0 ? errors.form.join(" ") : "Correct the fields marked below."}
    </div>
  ) : null;

export const Time: FC<{ at: Date | string | null | undefined }> = ({ at }) => {
  if (!at) return <span class="muted">—</span>;
  const date = typeof at === "string" ? new Date(at) : at;
  return <time datetime={date.toISOString()}>{`${date.toISOString().replace("T", " ").slice(0, 16)} UTC`}</time>;
};

export function html(c: Context<AppEnv>, status: ContentfulStatusCode, page: Child): Response {
  return c.html(`<!doctype html>${String(page)}`, status);
}

export function problemPage(c: Context<AppEnv>, status: ContentfulStatusCode, title: string, message: string): Response {
  return html(
    c,
    status,
    <Shell title={title}>
      <p>{message}</p>
      <p>
        <a href="/admin/sign-in">Sign in</a>
      </p>
    </Shell>,
  );
}

// Notices that survive the redirect after a change (post, redirect, get): a short-lived
// cookie holding only the console's own messages.
const flashCookie = (c: Context<AppEnv>) => consoleCookie(c, "phs_console_flash");

export function flash(c: Context<AppEnv>, notices: Notice[]): void {
  if (notices.length === 0) return;
  const cookie = flashCookie(c);
  const value = btoa(unescape(encodeURIComponent(JSON.stringify(notices.slice(0, 5).map((n) => ({ ...n, text: n.text.slice(0, 300) }))))));
  setCookie(c, cookie.name, value, { httpOnly: true, sameSite: "Strict", path: cookie.path, maxAge: 60, secure: cookie.secure });
}

export function takeFlash(c: Context<AppEnv>): Notice[] {
  const cookie = flashCookie(c);
  const value = getCookie(c, cookie.name);
  if (!value) return [];
  deleteCookie(c, cookie.name, { path: cookie.path, secure: cookie.secure });
  try {
    const parsed = JSON.parse(decodeURIComponent(escape(atob(value))));
    return Array.isArray(parsed) ? parsed.filter((n): n is Notice => typeof n?.text === "string" && ["info", "warn", "bad"].includes(n?.tone)).slice(0, 5) : [];
  } catch {
    return [];
  }
}

/** Post, redirect, get: the change is done; say so on the next page. */
export function doneRedirect(c: Context<AppEnv>, to: string, notices: Notice[]): Response {
  flash(c, notices);
  return c.redirect(to, 303);
}
