// The benchmark's baseline Worker: one Hono route, and a Durable Object with an empty RPC
// method, so a run can measure the runtime's own floor — start-up, a request, a Durable
// Object call — beside this service's figures. Not part of the service.
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

export class EmptyObject extends DurableObject {
  nothing(): null {
    return null;
  }
}

interface Env {
  EMPTY: DurableObjectNamespace<EmptyObject>;
}

const app = new Hono<{ Bindings: Env }>();
app.get("/ping", (c) => c.text("pong"));
// One call to a Durable Object that does nothing: what any object in the path costs here.
app.get("/object", async (c) => {
  const stub = c.env.EMPTY.get(c.env.EMPTY.idFromName(c.req.header("cf-connecting-ip") ?? "local"));
  await stub.nothing();
  return c.text("pong");
});

export default app;
