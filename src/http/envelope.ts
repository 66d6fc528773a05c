// The one response shape of this API: {success, version, data} or {success, version, error}.
export const API_VERSION = "v1" as const;

export interface ErrorBody {
  success: false;
  version: typeof API_VERSION;
  error: { code: string; message: string; requestId?: string; details?: unknown };
}

export function success<T>(data: T) {
  return { success: true as const, version: API_VERSION as typeof API_VERSION, data };
}

export function failure(code: string, message: string, extra: { requestId?: string; details?: unknown } = {}): ErrorBody {
  return { success: false, version: API_VERSION, error: { code, message, ...extra } };
}
