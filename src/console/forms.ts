// From an HTML form to the same input the admin API validates, and from what went wrong
// back to the field that caused it. The schemas are the API's own, so a form accepts
// exactly what the API accepts.
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../env.ts";
import { DomainError } from "../lib/domain-error.ts";
import type { FormErrors } from "./layout.tsx";

export type Form = Record<string, string | File | (string | File)[]>;

export async function readForm(c: Context<AppEnv>): Promise<Form> {
  return (await c.req.parseBody({ all: true }).catch(() => ({}))) as Form;
}

/** The field's text (the first, if sent more than once), with a browser's CRLF line breaks as LF; "" when absent. */
export function text(form: Form, name: string): string {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first.replace(/\r\n?/g, "\n") : "";
}

/** Every field as typed, to show the form again after an error. */
export const formValues = (form: Form): Record<string, string> => Object.fromEntries(Object.keys(form).map((k) => [k, text(form, k)]));

export const checked = (form: Form, name: string) => text(form, name) !== "";

/** Every value sent for a field (checkbox groups). */
export function all(form: Form, name: string): string[] {
  const value = form[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === "string");
}

/** A number field: the number, or the text itself so validation names the field. */
export function number(form: Form, name: string): number | string | undefined {
  const value = text(form, name).trim();
  if (value === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** Ids pasted one per line, or separated by commas or spaces. */
export function idList(value: string): string[] {
  return value.split(/[\s,;]+/).filter(Boolean);
}

/** A JSON object typed into a textarea. */
export function jsonObject(value: string, field: string, errors: FormErrors): Record<string, unknown> | undefined {
  if (value.trim() === "") return undefined;
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch {
    // Said below.
  }
  errors.fields[field] = 'Must be a JSON object, such as {"team": "payments"}';
  return undefined;
}

/** A datetime-local field, read as UTC (the console shows and takes UTC throughout). */
export function utcInstant(value: string): string {
  const trimmed = value.trim();
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(trimmed) ? `${trimmed.length === 16 ? `${trimmed}:00` : trimmed}Z` : trimmed;
}

/** Validates with the API's schema; the problems go next to their fields. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, errors: FormErrors, fieldOf: (path: string) => string = (p) => p): z.output<T> | null {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join(".");
    const field = fieldOf(path.split(".")[0] ?? "");
    if (field && !errors.fields[field]) errors.fields[field] = issue.message;
    else if (!field) errors.form.push(issue.message);
  }
  return null;
}

/**
 * Runs a change; a domain error (a conflict, a missing prerequisite, a state that does not
 * allow it) becomes a form error, next to its field when the message names one.
 */
export async function attempt<T>(change: () => Promise<T>, errors: FormErrors, fields: readonly string[]): Promise<T | null> {
  try {
    return await change();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.kind === "conflict") errors.conflict = true;
    const named = /^([A-Za-z]+): (.*)$/.exec(error.message);
    if (named && fields.includes(named[1]!)) errors.fields[named[1]!] = named[2]!;
    else errors.form.push(error.message);
    return null;
  }
}

/** Answers a page, or, when the thing it is about does not exist (a not_found domain error), the page `missing` gives. */
export async function orMissing(page: () => Promise<Response>, missing: (error: DomainError) => Response): Promise<Response> {
  try {
    return await page();
  } catch (error) {
    if (error instanceof DomainError && error.kind === "not_found") return missing(error);
    throw error;
  }
}

export const hasErrors = (errors: FormErrors) => errors.form.length > 0 || Object.keys(errors.fields).length > 0;

/** The status of a page answering a form: 200, 400 for what was sent, 409 for a conflict with the current state. */
export const statusFor = (errors: FormErrors): 200 | 400 | 409 => (!hasErrors(errors) ? 200 : errors.conflict ? 409 : 400);
