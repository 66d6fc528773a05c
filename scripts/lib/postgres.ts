// The Postgres behind the local relay: the one DATABASE_URL names, or an embedded
// PGlite served over the wire protocol, so a fresh clone needs no database server.
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";

const root = fileURLToPath(new URL("../../", import.meta.url).href);
export const migrationsFolder = `${root}drizzle`;
export const schemaFile = `${root}schema.sql`;

export type DatabaseSource = "migrations" | "schema.sql" | "empty";

export interface PostgresServer {
  kind: "external" | "embedded";
  /** Connection string of the main database (dev) or the template (tests). */
  url: string;
  /** A new, independent database, built from the migrations, from schema.sql or empty. */
  createDatabase(name: string, source?: DatabaseSource): Promise<string>;
  close(): Promise<void>;
}

export async function applyMigrations(url: string): Promise<void> {
  await withClient(url, (client) => migrate(drizzle({ client }), { migrationsFolder }));
}

export async function applySchemaFile(url: string): Promise<void> {
  const text = readFileSync(schemaFile, "utf8");
  await withClient(url, (client) => client.query(text));
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Postgres named by a URL: new databases are made with CREATE DATABASE ... TEMPLATE. */
export async function useExternalPostgres(adminUrl: string, prefix: string): Promise<PostgresServer> {
  const created: string[] = [];
  const urlFor = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const template = `${prefix}_template`;
  await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${template}"`);
    await client.query(`CREATE DATABASE "${template}"`);
  });
  created.push(template);
  await applyMigrations(urlFor(template));
  // The migrations create the roles without LOGIN (an operator gives them passwords); here,
  // on a local server with trust authentication, they may simply log in.
  await withClient(adminUrl, (client) => client.query("ALTER ROLE phs_reader LOGIN; ALTER ROLE phs_writer LOGIN"));
  return {
    kind: "external",
    url: urlFor(template),
    async createDatabase(name, source = "migrations") {
      const full = `${prefix}_${name}`;
      await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${full}" TEMPLATE "${source === "migrations" ? template : "template0"}"`));
      created.push(full);
      if (source === "schema.sql") await applySchemaFile(urlFor(full));
      return urlFor(full);
    },
    async close() {
      await withClient(adminUrl, async (client) => {
        for (const name of created) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    },
  };
}

/**
 * Embedded PGlite. PGlite holds one database per instance, so each new database is a
 * clone of a migrated template instance, served on a port of its own.
 */
export async function useEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<PostgresServer> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const servers: { server: PGLiteSocketServer; db: PGlite }[] = [];
  const serve = async (db: PGlite, port = 0) => {
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 64 });
    await server.start();
    servers.push({ server, db });
    return `postgresql://postgres@${server.getServerConn()}/postgres`;
  };
  const main = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const url = await serve(main, options.port);
  await applyMigrations(url);
  const blank = await PGlite.create();
  return {
    kind: "embedded",
    url,
    async createDatabase(_name, source = "migrations") {
      const db = (source === "migrations" ? await main.clone() : await blank.clone()) as PGlite;
      const dbUrl = await serve(db);
      if (source === "schema.sql") await applySchemaFile(dbUrl);
      return dbUrl;
    },
    async close() {
      for (const { server, db } of servers) {
        await server.stop();
        await db.close();
      }
      await blank.close();
    },
  };
}

export async function isReachable(url: string): Promise<boolean> {
  try {
    await withClient(url, (client) => client.query("select 1"));
    return true;
  } catch {
    return false;
  }
}
