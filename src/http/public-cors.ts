// Public answers are readable from any origin (status pages, dashboards elsewhere), with
// preflights answered; the headers a client may want to read are exposed.
import { cors } from "hono/cors";

export const publicCors = cors({
  origin: "*",
  allowMethods: ["GET", "HEAD", "OPTIONS"],
  exposeHeaders: ["ETag", "Age", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-Id", "Server-Timing"],
  maxAge: 86_400,
});
