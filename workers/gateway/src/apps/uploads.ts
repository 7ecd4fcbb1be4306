/**
 * Requests whose bodies may exceed the 1 MiB limit and are streamed to the app rather than read
 * whole here (AppSpec v3 "Files"): a file upload (`PUT …/{plural}/{id}/files/{field}`, up to 10 MiB)
 * and a multipart/form-data create or update (the app checks each part against its field). The app's
 * runtime counts the bytes as they reach the bucket and refuses past the field's `maxBytes`.
 */

const FILE_MAX_BYTES = 10 * 1024 * 1024;
/** Text parts up to 1 MiB and a few files: what the gateway lets through before the app checks each part. */
const MULTIPART_MAX_BYTES = 64 * 1024 * 1024;
const FILE_ROUTE = /\/files\/[^/]+\/?$/;

/** The most a streamed upload may declare, or null when the request is not one (its body is then read whole). */
export function streamedUploadLimit(request: Request): number | null {
  if (!request.body) return null;
  const path = new URL(request.url).pathname;
  if (request.method === "PUT" && FILE_ROUTE.test(path)) return FILE_MAX_BYTES;
  const type = (request.headers.get("content-type") ?? "").slice(0, 64).toLowerCase();
  if ((request.method === "POST" || request.method === "PATCH") && type.startsWith("multipart/form-data"))
    return MULTIPART_MAX_BYTES;
  return null;
}
