// How the console names its cookies. Over HTTPS: `__Host-`, Secure, Path=/, so no other
// subdomain can plant or read one; over plain HTTP (only a loopback dev server answers
// there) a plain name scoped to /admin.
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";

export interface ConsoleCookie {
  name: string;
  secure: boolean;
  path: string;
}

export function consoleCookie(c: Context<AppEnv>, base: string): ConsoleCookie {
  const secure = new URL(c.req.url).protocol === "https:";
  return secure ? { name: `__Host-${base}`, secure, path: "/" } : { name: base, secure, path: "/admin" };
}
