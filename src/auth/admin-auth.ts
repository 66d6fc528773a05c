// Admin routes need `Authorization: Bearer <token>` with a token from ADMIN_TOKENS; the
// token's actor id is what the change records as created_by / updated_by and in the audit.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../http/errors.ts";
import { bearerToken, configuredAdminTokens, matchToken } from "./tokens.ts";

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  const actor = token ? await matchToken(token, await configuredAdminTokens(c.get("config").adminTokens)) : null;
  if (!actor) {
    c.header("WWW-Authenticate", 'Bearer realm="admin"');
    throw new ApiError(401, "UNAUTHORIZED", token ? "The bearer token is not valid" : "An admin bearer token is required");
  }
  c.set("actorId", actor);
  await next();
});
