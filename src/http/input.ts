// The building blocks every route validates with. Whatever passes them can be stored
// exactly as given; whatever cannot is refused with the field named, never altered:
// - text: no NUL (Postgres text cannot hold it), no other control character (tab and line
//   breaks only where the field is multi-line), no unpaired surrogate (it has no UTF-8
//   form: it would be stored as U+FFFD);
// - instants: ISO-8601 with an offset, years 1970–9999 (inside Postgres's range and any
//   plan anyone makes), seconds at most to the millisecond;
// - metadata: a JSON object of at most MAX_JSON_DEPTH levels whose strings follow the
//   text rules, whose numbers are finite and exact (JSON.parse turns 1e400 into Infinity,
//   stored as null, and rounds integers past 2^53), with no key `__proto__` (JavaScript
//   objects cannot carry it through).
import { z } from "@hono/zod-openapi";

export const MAX_JSON_DEPTH = 16;

// Printable text: no C0 control but (when multi-line) tab, LF and CR; no DEL; no C1 controls.
const SINGLE_LINE_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MULTI_LINE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export function textProblem(value: string, multiline: boolean): string | null {
  if (!value.isWellFormed()) return "must not contain an unpaired surrogate (invalid Unicode)";
  if (value.includes("\u0000")) return "must not contain NUL characters";
  if ((multiline ? MULTI_LINE_CONTROL : SINGLE_LINE_CONTROL).test(value)) {
    return multiline ? "must not contain control characters other than tab and line breaks" : "must not contain control characters or line breaks";
  }
  return null;
}

/** Text of at most `max` characters; `multiline` allows tab and line breaks. */
export function Text(options: { max: number; min?: number; multiline?: boolean; trim?: boolean }) {
  let schema = z.string();
  if (options.trim) schema = schema.trim();
  schema = schema.max(options.max);
  if (options.min !== undefined) schema = schema.min(options.min);
  return schema.superRefine((value, ctx) => {
    const problem = textProblem(value, options.multiline ?? false);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** An ISO-8601 instant with an offset, between 1970 and 9999. */
export const Instant = z.iso
  .datetime({ offset: true, message: "must be an ISO-8601 time with an offset, e.g. 2026-12-01T02:00:00Z" })
  .superRefine((value, ctx) => {
    const at = Date.parse(value);
    if (Number.isNaN(at)) ctx.addIssue({ code: "custom", message: "is not a real date" });
    else if (at < EARLIEST || at > LATEST) ctx.addIssue({ code: "custom", message: "must be between 1970 and 9999" });
    else if (/\.\d{4,}/.test(value)) ctx.addIssue({ code: "custom", message: "give at most millisecond precision" });
  });

// The day after a day must still be writable (as an ISO instant): 9999-12-31's is not.
const LAST_DAY = Date.UTC(9999, 11, 30);

/** A calendar day, YYYY-MM-DD, from 1970-01-01 to 9999-12-30, that exists. */
export const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date, YYYY-MM-DD")
  .superRefine((value, ctx) => {
    const at = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value) ctx.addIssue({ code: "custom", message: "is not a real date" });
    else if (at < EARLIEST || at > LAST_DAY) ctx.addIssue({ code: "custom", message: "must be between 1970-01-01 and 9999-12-30" });
  });

/** Where in a JSON value the first thing that cannot be stored exactly is, and why. */
export function jsonProblem(value: unknown, depth = 0): { path: (string | number)[]; message: string } | null {
  if (depth > MAX_JSON_DEPTH) return { path: [], message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
  if (typeof value === "string") {
    const problem = textProblem(value, true);
    return problem ? { path: [], message: problem } : null;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { path: [], message: "must be a finite number" };
    if (Number.isInteger(value) && !Number.isSafeInteger(value))
      return { path: [], message: "is an integer too large to keep exactly (beyond 2^53); send it as a string" };
    return null;
  }
  if (value === null || typeof value === "boolean") return null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = jsonProblem(item, depth + 1);
      if (found) return { path: [i, ...found.path], message: found.message };
    }
    return null;
  }
  if (typeof value === "object") {
    for (const key of Object.keys(value)) {
      if (key === "__proto__") return { path: [key], message: "is not an allowed key" };
      const keyProblem = textProblem(key, false);
      if (keyProblem) return { path: [key], message: `key ${keyProblem}` };
      const found = jsonProblem((value as Record<string, unknown>)[key], depth + 1);
      if (found) return { path: [key, ...found.path], message: found.message };
    }
    return null;
  }
  return { path: [], message: "is not JSON" };
}

/** A free-form JSON object that is stored exactly as given. */
export function JsonObject() {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const found = jsonProblem(value);
    if (found) ctx.addIssue({ code: "custom", path: found.path, message: found.message });
  });
}
