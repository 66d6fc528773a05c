// Admin routes for the whitelists: users and customers who always get the feature.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { adminErrors, errorResponse, jsonBody, jsonContent, successEnvelope } from "../http/openapi.ts";
import { addCustomerToWhitelist, addUserToWhitelist, removeCustomerFromWhitelist, removeUserFromWhitelist } from "./write-flags.ts";
import { CustomerBody, Flag, KeyCustomerParam, KeyParam, KeyUserParam, UserBody } from "./schemas.ts";

const tags = ["Admin: flags"];
const security = [{ adminToken: [] }];
const responses = {
  200: jsonContent(successEnvelope(Flag, "FlagWhitelistChanged"), "The flag after the change (a warning says when nothing changed)"),
  404: errorResponse("No flag with that key"),
  409: errorResponse("The whitelist already holds 10,000 ids (WHITELIST_FULL)"),
  ...adminErrors,
};

export const whitelistRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/flags/{key}/users",
      operationId: "allowUser",
      tags,
      security,
      summary: "Allow a user",
      request: { params: KeyParam, body: jsonBody(UserBody) },
      responses,
    }),
    async (c) => {
      const change = await addUserToWhitelist(c.get("database")(), c.req.valid("param").key, c.req.valid("json").userId, c.get("actorId"));
      return c.json(success(change.flag, change.warnings), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/flags/{key}/users/{userId}",
      operationId: "removeAllowedUser",
      tags,
      security,
      summary: "Remove an allowed user",
      request: { params: KeyUserParam },
      responses,
    }),
    async (c) => {
      const { key, userId } = c.req.valid("param");
      const change = await removeUserFromWhitelist(c.get("database")(), key, userId, c.get("actorId"));
      return c.json(success(change.flag, change.warnings), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/flags/{key}/customers",
      operationId: "allowCustomer",
      tags,
      security,
      summary: "Allow a customer",
      request: { params: KeyParam, body: jsonBody(CustomerBody) },
      responses,
    }),
    async (c) => {
      const change = await addCustomerToWhitelist(c.get("database")(), c.req.valid("param").key, c.req.valid("json").customerId, c.get("actorId"));
      return c.json(success(change.flag, change.warnings), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/flags/{key}/customers/{customerId}",
      operationId: "removeAllowedCustomer",
      tags,
      security,
      summary: "Remove an allowed customer",
      request: { params: KeyCustomerParam },
      responses,
    }),
    async (c) => {
      const { key, customerId } = c.req.valid("param");
      const change = await removeCustomerFromWhitelist(c.get("database")(), key, customerId, c.get("actorId"));
      return c.json(success(change.flag, change.warnings), 200);
    },
  );
