// Shared OpenAPI pieces: the envelope schemas every route declares, and the validation
// hook that turns a zod failure into the error envelope.
import { z, type Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { failure } from "./envelope.ts";

export const ErrorEnvelope = z
  .object({
    success: z.literal(false),
    version: z.literal("v1"),
    error: z.object({
      code: z.string().openapi({ example: "NOT_FOUND" }),
      message: z.string(),
      requestId: z.string().optional(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export function successEnvelope<T extends z.ZodType>(data: T, name: string) {
  return z
    .object({
      success: z.literal(true),
      version: z.literal("v1"),
      data,
      warnings: z.array(z.string()).optional().openapi({ description: "Present when the change went through but deserves a second look" }),
    })
    .openapi(name);
}

export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorEnvelope } },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** A public operation: no credentials (overrides nothing; says so for linters and generators). */
export const PUBLIC: { security: [] } = { security: [] };

const headerOf = (description: string, type: "string" | "integer" = "string") => ({ description, schema: { type } });

/** Headers on cached public answers. */
export const CACHED_HEADERS = {
  ETag: headerOf("Strong validator; send it back in If-None-Match"),
  Age: headerOf("Seconds since the answer (or, when stale, its data) was produced", "integer"),
  "Cache-Control": headerOf("How long clients may keep it; no-store for answers built from the last known state"),
} as const;

const RATE_LIMIT_HEADERS = {
  "RateLimit-Policy": headerOf('IETF draft: the client\'s quota, e.g. "status";q=60;w=60'),
  RateLimit: headerOf('IETF draft: what is left, e.g. "status";r=59;t=1'),
} as const;

/** 304 for a conditional GET whose ETag still matches. */
export const notModified = { description: "Not modified: the ETag sent in If-None-Match still matches", headers: { ETag: CACHED_HEADERS.ETag } };

/** 429 with its headers, in the given content (this API's envelope by default). */
export function tooManyRequests(
  description = "Over the client's rate limit",
  content: Record<string, { schema: z.ZodType }> = { "application/json": { schema: ErrorEnvelope } },
) {
  return {
    description: `${description}; retry after Retry-After seconds`,
    headers: { "Retry-After": headerOf("Seconds until a request would be admitted", "integer"), ...RATE_LIMIT_HEADERS },
    content,
  };
}

/** The error responses every admin route can give. */
export const adminErrors = {
  400: errorResponse("Invalid input; the message names the field"),
  401: errorResponse("Missing or invalid admin token"),
  500: errorResponse("Unexpected failure"),
  503: errorResponse("The database is unavailable (DATABASE_UNAVAILABLE); retry after Retry-After seconds"),
};

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    return c.json(failure("VALIDATION_ERROR", summary || "Invalid request", { requestId: c.get("requestId"), details: issues }), 400);
  }
};
