// The one response shape of this API: {success, version, data} or {success, version, error}.
export const API_VERSION = "v1" as const;

export interface ErrorBody {
  success: false;
  version: typeof API_VERSION;
  error: { code: string; message: string; requestId?: string; details?: unknown };
}

export function success<T>(data: T, warnings: string[] = []) {
  const body = { success: true as const, version: API_VERSION as typeof API_VERSION, data };
  // Warnings are for changes that went through but deserve a second look.
  return warnings.length > 0 ? { ...body, warnings } : body;
}

export function failure(code: string, message: string, extra: { requestId?: string; details?: unknown } = {}): ErrorBody {
  return { success: false, version: API_VERSION, error: { code, message, ...extra } };
}
