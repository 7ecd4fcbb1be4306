/** Opaque list cursors: base64url of JSON, so clients cannot depend on what is inside. */
export function encodeCursor(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor<T>(cursor: string, check: (value: unknown) => value is T): T | null {
  try {
    const value = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    return check(value) ? value : null;
  } catch {
    return null;
  }
}
