/**
 * The outcome of a topology admin call (`POST /admin/leave`, `/admin/remove`,
 * `/admin/cleanup`, `GET /admin/plan`): a value, or an HTTP status with a
 * stable code that http/admin.ts sends as it is.
 */

/** An admin call's outcome: a value, or an HTTP status with a stable code. */
export type AdminResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string };

/** A refused admin call: `status` (409, 404, …), its stable `code` and a message saying what to do. */
export function fail<T>(status: number, code: string, message: string): AdminResult<T> {
  return { ok: false, status, code, message };
}
