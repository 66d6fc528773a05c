// What is deployed: the app version baked in at build time, and the build id and deploy
// time from Workers version metadata (or explicit vars, which win when set).
import type { Env } from "../env.ts";

declare const __APP_VERSION__: string | undefined;

export interface VersionInfo {
  app: string;
  api: "v1";
  build: string;
  deployedAt: string | null;
}

export function versionInfo(env: Env): VersionInfo {
  const metadata = env.CF_VERSION_METADATA;
  const baked = typeof __APP_VERSION__ === "string" ? __APP_VERSION__ : undefined;
  return {
    app: env.APP_VERSION || baked || "0.0.0",
    api: "v1",
    build: env.BUILD_ID || (metadata?.id ? metadata.id.slice(0, 8) : "local"),
    deployedAt: env.DEPLOYED_AT || metadata?.timestamp || null,
  };
}
