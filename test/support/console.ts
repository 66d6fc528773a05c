// Using the operator console as a browser would, from inside workerd: a cookie jar, the
// form token read from each page, and form posts that say they come from this origin.
import type { Env } from "../../src/env.ts";
import { ADMIN_TOKEN, ADMIN_TOKENS } from "./admin.ts";
import { callWorkerAt } from "./harness.ts";

export interface Page {
  status: number;
  html: string;
  location: string | null;
  headers: Headers;
}

export function consoleBrowser(databaseUrl: () => string, options: { origin?: string; env?: Partial<Env> } = {}) {
  const origin = options.origin ?? "https://portal.test";
  const jar = new Map<string, string>();
  let formToken = "";

  /** A request; `rawBody` sends exactly those bytes instead of an encoded form. */
  async function request(
    method: string,
    path: string,
    form?: Record<string, string | string[]>,
    headers: Record<string, string> = {},
    rawBody?: string,
  ): Promise<Page> {
    const body =
      rawBody ?? (form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))) : undefined);
    const response = await callWorkerAt(
      `${origin}${path}`,
      { DATABASE_URL: databaseUrl(), ADMIN_TOKENS, ...options.env },
      {
        method,
        redirect: "manual",
        headers: {
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
          "sec-fetch-site": "same-origin",
          ...(body !== undefined && { "content-type": "application/x-www-form-urlencoded" }),
          ...headers,
        },
        body,
      },
    );
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const [name = "", value = ""] = pair.split("=");
      if (/max-age=0/i.test(line) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    const html = await response.text();
    formToken = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? formToken;
    return { status: response.status, html, location: response.headers.get("location"), headers: response.headers };
  }

  return {
    jar,
    request,
    get formToken() {
      return formToken;
    },
    get: (path: string, headers?: Record<string, string>) => request("GET", path, undefined, headers),
    /** A form post with this session's form token (unless the form names its own). */
    post: (path: string, form: Record<string, string | string[]> = {}, headers?: Record<string, string>) =>
      request("POST", path, { _csrf: formToken, ...form }, headers),
    async signIn(token = ADMIN_TOKEN) {
      const page = await request("POST", "/admin/sign-in", { token, next: "/admin/flags" });
      if (page.status !== 303) throw new Error(`sign-in answered ${page.status}`);
      await request("GET", "/admin/flags");
      return page;
    },
  };
}

/** The text of a page, tags stripped, for asserting what a person reads. */
export const textOf = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .replace(/ ([,.;])/g, "$1");
