import { setting } from "@aidevos/core";

/** HKDF's salt: fixed, so one root key gives each app the same data key every time. */
const SALT = new TextEncoder().encode("aidevos/app-secrets/v1");
/** Where an app without AIDEVOS_SECRETS_KEY keeps its generated root key (this object's storage only). */
const LOCAL_ROOT = "secrets-root";

interface SecretRow extends Record<string, SqlStorageValue> {
  name: string;
  iv: ArrayBuffer;
  ciphertext: ArrayBuffer;
  root: string;
  updated_at: string;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of an app key, as stored and compared: the key itself is never kept. */
export async function keyDigest(key: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
}

/**
 * An app's secret values and access keys, in its control object's SQLite. Values are sealed with
 * AES-GCM under a key derived (HKDF-SHA-256, info = the app's name) from the gateway's
 * AIDEVOS_SECRETS_KEY, or, without it (offline and dev), from a random root generated once for this
 * app and kept in this object. Each row names the root it was sealed under, so setting
 * AIDEVOS_SECRETS_KEY later leaves the older values readable. Keys are kept as SHA-256 digests.
 */
export class AppAccessStore {
  private readonly dataKeys = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly app: string,
  ) {
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS app_secrets (
      name TEXT PRIMARY KEY, iv BLOB NOT NULL, ciphertext BLOB NOT NULL, root TEXT NOT NULL, updated_at TEXT NOT NULL)`);
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS app_keys (
      id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)`);
  }

  async setSecret(name: string, value: string): Promise<void> {
    const root = setting(this.env, "AIDEVOS_SECRETS_KEY") ? "env" : "local";
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(name) },
      await this.dataKey(root),
      new TextEncoder().encode(value),
    );
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO app_secrets (name, iv, ciphertext, root, updated_at) VALUES (?, ?, ?, ?, ?)",
      name,
      iv.buffer,
      sealed,
      root,
      new Date().toISOString(),
    );
  }

  deleteSecret(name: string): void {
    this.storage.sql.exec("DELETE FROM app_secrets WHERE name = ?", name);
  }

  /** Names with their state: every name the spec declares, and any other that has a value. */
  listSecrets(declared: readonly string[]): { name: string; set: boolean; updatedAt: string | null }[] {
    const rows = this.storage.sql
      .exec<{ name: string; updated_at: string }>("SELECT name, updated_at FROM app_secrets")
      .toArray();
    const at = new Map(rows.map((r) => [r.name, r.updated_at]));
    const names = [...new Set([...declared, ...at.keys()])].sort();
    return names.map((name) => ({ name, set: at.has(name), updatedAt: at.get(name) ?? null }));
  }

  /** The values, decrypted: for the app's hosts and its Cloudflare Worker only. */
  async secretValues(): Promise<Record<string, string>> {
    const rows = this.storage.sql.exec<SecretRow>("SELECT * FROM app_secrets").toArray();
    const values: Record<string, string> = {};
    for (const row of rows) {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: new Uint8Array(row.iv), additionalData: new TextEncoder().encode(row.name) },
        await this.dataKey(row.root),
        row.ciphertext,
      );
      values[row.name] = new TextDecoder().decode(plain);
    }
    return values;
  }

  /** A new key: 32 random bytes, prefixed so it is recognisable in a leak scan; only its digest is kept. */
  async createKey(): Promise<{ id: string; key: string }> {
    const id = hex(crypto.getRandomValues(new Uint8Array(8)).buffer);
    const key = `adk_${hex(crypto.getRandomValues(new Uint8Array(32)).buffer)}`;
    this.storage.sql.exec(
      "INSERT INTO app_keys (id, digest, created_at) VALUES (?, ?, ?)",
      id,
      await keyDigest(key),
      new Date().toISOString(),
    );
    return { id, key };
  }

  listKeys(): { id: string; createdAt: string }[] {
    return this.storage.sql
      .exec<{ id: string; created_at: string }>("SELECT id, created_at FROM app_keys ORDER BY created_at, id")
      .toArray()
      .map((r) => ({ id: r.id, createdAt: r.created_at }));
  }

  /** False when there was no such key. */
  revokeKey(id: string): boolean {
    return this.storage.sql.exec("DELETE FROM app_keys WHERE id = ?", id).rowsWritten > 0;
  }

  keyDigests(): string[] {
    return this.storage.sql
      .exec<{ digest: string }>("SELECT digest FROM app_keys")
      .toArray()
      .map((r) => r.digest);
  }

  private dataKey(root: string): Promise<CryptoKey> {
    let key = this.dataKeys.get(root);
    if (!key) {
      key = this.derive(root);
      this.dataKeys.set(root, key);
    }
    return key;
  }

  private async derive(root: string): Promise<CryptoKey> {
    const material = root === "env" ? new TextEncoder().encode(this.envRoot()) : this.localRoot();
    const base = await crypto.subtle.importKey("raw", material, "HKDF", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: SALT, info: new TextEncoder().encode(this.app) },
      base,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  }

  private envRoot(): string {
    const root = setting(this.env, "AIDEVOS_SECRETS_KEY");
    if (!root) throw new Error("a secret was sealed under AIDEVOS_SECRETS_KEY, which is no longer set");
    return root;
  }

  private localRoot(): Uint8Array {
    const kept = this.storage.kv.get<ArrayBuffer>(LOCAL_ROOT);
    if (kept) return new Uint8Array(kept);
    const fresh = crypto.getRandomValues(new Uint8Array(32));
    this.storage.kv.put(LOCAL_ROOT, fresh.buffer);
    return fresh;
  }
}
