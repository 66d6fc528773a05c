// Every error on /ofrep/* in OFREP's own shape, whatever produced it (validation, the
// body guards, authentication, the rate limiter, an unexpected failure): the providers
// read `key` and `errorCode` (with `errorDetails` as the message) on the single-flag
// endpoint, and `errorCode` on the bulk one. Anything else they report as "does not
// match the expected format".
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env.ts";

export type OfrepErrorCode = "PARSE_ERROR" | "TARGETING_KEY_MISSING" | "INVALID_CONTEXT" | "GENERAL" | "FLAG_NOT_FOUND";

const SINGLE = /^\/ofrep\/v1\/evaluate\/flags\/([^/]+)\/?$/;

export function isOfrepPath(path: string): boolean {
  return path.startsWith("/ofrep/");
}

/** The flag key of a single-flag request, as the client sent it (decoded). */
export function ofrepKey(path: string): string | null {
  const match = SINGLE.exec(path);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

export function ofrepErrorBody(path: string, errorCode: OfrepErrorCode, errorDetails: string) {
  const key = ofrepKey(path);
  return key === null ? { errorCode, errorDetails } : { key, errorCode, errorDetails };
}

export function ofrepError(c: Context<AppEnv>, status: ContentfulStatusCode, errorCode: OfrepErrorCode, errorDetails: string): Response {
  return c.json(ofrepErrorBody(c.req.path, errorCode, errorDetails), status);
}
