// A fresh database for a test running in Node (outside workerd), from the harness the
// global setup started: its control server, its relay and the Postgres behind them.
import { inject } from "vitest";

export const harness = () => inject("harness");

export async function freshDatabase(): Promise<string> {
  const response = await fetch(`${harness().controlUrl}/databases?source=migrations`, { method: "POST" });
  if (!response.ok) throw new Error(`could not create a database: ${await response.text()}`);
  return ((await response.json()) as { url: string }).url;
}
