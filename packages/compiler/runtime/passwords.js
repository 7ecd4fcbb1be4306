/**
 * passwords.js of every generated app: the cryptography and the lockout rule of accounts
 * (accounts.js), with no import, so that tests can run the very code apps ship. Passwords are kept
 * only as PBKDF2-SHA256 with a random 16-byte salt and 100,000 iterations, written with their
 * scheme and count; tokens are 256 random bits, kept only as their SHA-256.
 */

/** The most Cloudflare's Web Crypto allows for PBKDF2 (local workerd allows more: a test asserts the count). */
export const PBKDF2_ITERATIONS = 100000;
const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const TOKEN_BYTES = 32;
/** Five failed logins for one email within this window lock it until this long after the last. */
const LOCK_AFTER = 5;
export const LOCK_WINDOW_MS = 15 * 60 * 1000;

function toBase64(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text) {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}

function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function derive(password, salt, iterations) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256),
  );
}

/** `pbkdf2-sha256:100000:<salt>:<hash>` (base64): the scheme and count travel with the hash. */
export async function hashPassword(password) {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `${SCHEME}:${PBKDF2_ITERATIONS}:${toBase64(salt)}:${toBase64(hash)}`;
}

/** Compares in constant time: every byte is looked at, whatever the first difference. */
export function sameBytes(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Whether a password matches a stored hash, derived with the count stored beside it. */
export async function verifyPassword(password, stored) {
  const [scheme, count, salt, hash] = String(stored).split(":");
  const iterations = Number(count);
  if (scheme !== SCHEME || !Number.isSafeInteger(iterations) || iterations < 1 || !salt || !hash) return false;
  return sameBytes(await derive(password, fromBase64(salt), iterations), fromBase64(hash));
}

/** A new session token: 256 random bits, prefixed so that a leak scan recognises it. */
export function newToken() {
  return `aus_${hex(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)))}`;
}

/** The SHA-256 of a token, as sessions are stored and looked up. */
export async function digestOf(token) {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

/**
 * The failures of an email after one more at `now`: a new window when there was none or the last
 * one's 15 minutes since its first failure are over, else one more in it.
 */
export function nextFailures(row, now) {
  if (!row || now - row.first_at > LOCK_WINDOW_MS) return { first_at: now, last_at: now, count: 1 };
  return { first_at: row.first_at, last_at: now, count: row.count + 1 };
}

/** Seconds until an email with these failures may log in again, or 0 when it may now. */
export function lockedFor(row, now) {
  if (!row || row.count < LOCK_AFTER) return 0;
  const until = row.last_at + LOCK_WINDOW_MS;
  return until <= now ? 0 : Math.max(1, Math.ceil((until - now) / 1000));
}
