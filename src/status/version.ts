// What is deployed: the app version baked in at build time, and the build id and deploy
// time from Workers version metadata (or explicit settings, which win when set).
import type { Config } from "../config.ts";
import type { Env } from "../env.ts";

declare const __APP_VERSION__: string | undefined;

export interface VersionInfo {
  app: string;
  api: "v1";
  build: string;
  deployedAt: string | null;
}

export function versionInfo(config: Pick<Config, "version">, env: Pick<Env, "CF_VERSION_METADATA">): VersionInfo {
  const metadata = env.CF_VERSION_METADATA;
  const baked = typeof __APP_VERSION__ === "string" ? __APP_VERSION__ : undefined;
  return {
    app: config.version.app || baked || "0.0.0",
    api: "v1",
    build: config.version.build || (metadata?.id ? metadata.id.slice(0, 8) : "local"),
    deployedAt: config.version.deployedAt || metadata?.timestamp || null,
  };
}
