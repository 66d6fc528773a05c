import type { Config, Secrets } from "./config.ts";
import type { ConsoleUser } from "./console/identity.ts";
import type { Database } from "./db/client.ts";

/**
 * Everything the Worker reads from its environment: the bindings and vars as
 * `npm run cf-typegen` generates them from wrangler.toml (worker-configuration.d.ts; CI
 * checks it is current); the secrets, which wrangler.toml does not list (src/config.ts);
 * and the two settings only the dev and test harness sets: the address of the local relay
 * standing in for Neon's proxy, honoured only for databases on this machine, and the
 * console's one-click developer sign-in, honoured only on a loopback host. Code reads
 * settings through `configOf(env)` (src/config.ts), typed.
 */
export type Env = Cloudflare.Env &
  Secrets & {
    LOCAL_PG_RELAY?: string;
    /** `npm run dev` only: the actor the console's one-click sign-in signs in, honoured only for requests to a loopback host. */
    CONSOLE_DEV_ACTOR?: string;
  };

export interface AppVariables {
  requestId: string;
  /** Epoch ms when the Worker received the request. */
  requestStartedAt: number;
  /** This environment's configuration, parsed and checked. */
  config: Config;
  /** This request's database, opened on first use and closed after the response. */
  database: () => Database;
  /** The authenticated admin's actor id, on admin routes. */
  actorId: string;
  /** Who is signed in to the operator console, on console pages. */
  consoleUser: ConsoleUser;
  /** The authenticated OFREP client (a token fingerprint), on OFREP routes. */
  flagClient: string;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
