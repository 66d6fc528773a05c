// `npm run db:migrate`: applies drizzle/ to DATABASE_URL (a Neon database in production).
import { applyMigrations } from "./lib/postgres.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("Set DATABASE_URL to the database to migrate.");
  process.exit(1);
}
await applyMigrations(url);
console.log("migrations applied");
