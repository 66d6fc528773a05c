// Calling the admin API as a test actor.
import { callWorker } from "./harness.ts";

export const ACTOR = "00000000-0000-4000-8000-0000000000a1";
export const OTHER_ACTOR = "00000000-0000-4000-8000-0000000000b2";
export const ADMIN_TOKEN = "test-admin-token-a1";
export const ADMIN_TOKENS = `${ACTOR}=${ADMIN_TOKEN}, ${OTHER_ACTOR}=test-admin-token-b2`;

export type Envelope<T = any> = {
  success: boolean;
  version: string;
  data: T;
  warnings?: string[];
  error?: { code: string; message: string; details?: unknown };
};

export function adminClient(databaseUrl: () => string, extraEnv: Record<string, string> = {}) {
  return async function admin<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: { token?: string | null; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<{ status: number; body: Envelope<T>; headers: Headers }> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined || options.rawBody !== undefined) headers["content-type"] ??= "application/json";
    const response = await callWorker(
      path,
      { DATABASE_URL: databaseUrl(), ADMIN_TOKENS, ...extraEnv },
      { method, headers, body: options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) },
    );
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  };
}
