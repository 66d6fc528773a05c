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

/** The error responses every admin route can give. */
export const adminErrors = {
  400: errorResponse("Invalid input; the message names the field"),
  401: errorResponse("Missing or invalid admin token"),
  500: errorResponse("Unexpected failure"),
};


export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    return c.json(failure("VALIDATION_ERROR", summary || "Invalid request", { requestId: c.get("requestId"), details: issues }), 400);
  }
};
