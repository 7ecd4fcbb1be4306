import { PARTITION_KEY_HEADER, type UsersAnswer } from "@aidevos/core";

/*
 * The accounts management API's side in the app's host (docs/appspec.md, "Management API"): a call
 * becomes one platform call into the partition's app (`users…`, app.js platformCall, by RPC), which
 * keeps the users in its own SQLite. No HTTP path reaches it.
 */

/** One management call on an app's users: `GET|POST users` or `DELETE users/{id}`, with its query and body. */
export interface UsersCall {
  method: "GET" | "POST" | "DELETE";
  id?: string;
  query?: string;
  body?: string;
}

/** The platform call for a management call (its name and request), addressed to the partition `key` (null: a single app). */
export function usersRequest(call: UsersCall, key: string | null): { name: string; request: Request } {
  const name = call.id === undefined ? "users" : `users/${encodeURIComponent(call.id)}`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers[PARTITION_KEY_HEADER] = key;
  const url = new URL("http://app/");
  url.search = call.query ?? "";
  const request = new Request(url, {
    method: call.method,
    headers,
    body: call.method === "POST" ? (call.body ?? "") : undefined,
  });
  return { name, request };
}

/** The app's answer as data (its status and JSON body) for the gateway to turn into its own answer. */
export async function usersAnswer(response: Response): Promise<UsersAnswer> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { kind: "answer", status: response.status, body };
}
