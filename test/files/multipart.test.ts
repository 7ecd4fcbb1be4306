// Proves that multipart/form-data creates and updates are read as a stream (AppSpec v3 "Files"), in a
// served app with the real R2 simulation behind it: a file part of several MiB between text parts is
// stored byte for byte with its sha256; a file part reaches the bucket (staged) while the rest of the
// body has not arrived; the reader finds boundaries split across chunks and is not fooled by CRLF or a
// boundary's start inside file bytes; a part without a name, and quoted or escaped names, answer as
// fields; a failed create or update changes no record and no file and leaves no staged blob behind;
// an update of a record the caller may not write is answered before its body is read or staged.

import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec, type AppSpecInput, type CodeBundle } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { hostApp } from "../support/app-host";
import { product } from "./product";

const BOUNDARY = "----aidevos-stream";
const multipart = { "content-type": `multipart/form-data; boundary=${BOUNDARY}` };
const encoder = new TextEncoder();

const spec = (name: string): AppSpecInput => ({ name, entities: [product()] });

async function served(name: string) {
  const bundle: CodeBundle = await compileApp(AppSpec.parse(spec(name)));
  const host = env.APP_HOST.get(env.APP_HOST.idFromName(`multipart:${crypto.randomUUID()}`));
  const send = async (method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}) => {
    const res = await host.serveBundle(new Request(`http://app${path}`, { method, headers, body }), bundle);
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  };
  const bytes = async (path: string) =>
    new Uint8Array(await (await host.serveBundle(new Request(`http://app${path}`), bundle)).arrayBuffer());
  const blobs = async () => (await env.APP_FILES.list({ prefix: `apps/${name}/` })).objects.map((o) => o.key);
  return { send, bytes, blobs };
}

const unique = () => `m${crypto.randomUUID().slice(0, 8)}`;
const hex = async (data: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", data))].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A part's delimiter and header; `extra` lines go after Content-Disposition. */
const head = (disposition: string, extra = "") =>
  `\r\n--${BOUNDARY}\r\ncontent-disposition: ${disposition}\r\n${extra}\r\n`;
const text = (name: string, value: string) => `${head(`form-data; name="${name}"`)}${value}`;
const fileHead = (name: string, type: string, filename = "f.bin") =>
  head(`form-data; name="${name}"; filename="${filename}"`, `content-type: ${type}\r\n`);
const close = `\r\n--${BOUNDARY}--\r\n`;

function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** A body sent in chunks of `size` bytes (so every boundary is split across chunks somewhere). */
function chunked(body: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= body.length) return controller.close();
      controller.enqueue(body.slice(at, at + size));
      at += size;
    },
  });
}

/** Bytes with every byte value, CRLFs and the start of a delimiter in them (but never the whole of one). */
function awkwardBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  const tricky = encoder.encode(`\r\n\r\n--${BOUNDARY.slice(0, -1)}\r\n--\r\n`);
  for (let at = 100; at + tricky.length < n; at += 4099) out.set(tricky, at);
  return out;
}

describe("multipart creates and updates are streamed", () => {
  it("stores a 6 MiB file part between text parts byte for byte, with its sha256; an update replaces it", async () => {
    const name = unique();
    const app = await served(name);
    const file = awkwardBytes(6 * 1024 * 1024 + 123);
    const body = concat(
      text("title", "lamp"),
      fileHead("doc", "application/pdf"),
      file,
      text("tags", '["a","b"]'),
      close,
    );
    const created = await app.send("POST", "/products", chunked(body, 64 * 1024 + 7), multipart);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      title: "lamp",
      tags: ["a", "b"],
      doc: { size: file.length, contentType: "application/pdf", sha256: await hex(file) },
    });
    const stored = await app.bytes(`/products/${created.json.id}/files/doc`);
    expect(stored.length).toBe(file.length);
    expect(await hex(stored)).toBe(await hex(file));
    // Only the record's blob is left: the staged copy was moved.
    expect(await app.blobs()).toEqual([expect.stringMatching(new RegExp(`/r/product/${created.json.id}/doc$`))]);

    const next = awkwardBytes(300_000).reverse();
    const update = concat(fileHead("doc", "text/plain"), next, text("title", "lamp 2"), close);
    const updated = await app.send("PATCH", `/products/${created.json.id}`, chunked(update, 4096), multipart);
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({
      title: "lamp 2",
      doc: { size: next.length, contentType: "text/plain", sha256: await hex(next) },
    });
    expect(await hex(await app.bytes(`/products/${created.json.id}/files/doc`))).toBe(await hex(next));
    expect(await app.blobs()).toHaveLength(1);
  });

  it("puts a file part in the bucket while the rest of the body has not arrived (create, update)", {
    timeout: 120_000,
  }, async () => {
    const name = unique();
    const app = await served(name);
    const file = awkwardBytes(700_000);
    /**
     * A body that stops after the file part and the next part's header, and goes on only once `stored()`
     * sees the file in the bucket (or after a bounded wait, so a reader that holds the body fails the
     * test rather than hangs it); whether it was seen.
     */
    const paused = (stored: () => Promise<boolean>) => {
      const seen = { before: false };
      let step = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          step++;
          if (step === 1) controller.enqueue(encoder.encode(text("title", "lamp")));
          else if (step === 2) controller.enqueue(concat(fileHead("doc", "application/pdf"), file));
          else if (step === 3) controller.enqueue(encoder.encode(head('form-data; name="tags"')));
          else if (step === 4) {
            for (let i = 0; i < 200 && !seen.before; i++) {
              seen.before = await stored();
              if (!seen.before) await new Promise((r) => setTimeout(r, 100));
            }
            controller.enqueue(encoder.encode(`["late"]${close}`));
          } else controller.close();
        },
      });
      return { body, seen };
    };
    // A create streams to the new record's own key: no record has its id until the create succeeds.
    const create = paused(async () => (await app.blobs()).some((k) => k.endsWith("/doc")));
    const created = await app.send("POST", "/products", create.body, multipart);
    expect(create.seen.before).toBe(true);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ title: "lamp", tags: ["late"], doc: { size: file.length } });
    expect(await hex(await app.bytes(`/products/${created.json.id}/files/doc`))).toBe(await hex(file));
    // An update streams to a staging key, moved to the record's key once the record is written.
    const staged = async () => (await app.blobs()).some((k) => k.includes("/s/"));
    const update = paused(staged);
    const updated = await app.send("PATCH", `/products/${created.json.id}`, update.body, multipart);
    expect(update.seen.before).toBe(true);
    expect(updated.status).toBe(200);
    expect(await staged()).toBe(false);
    expect(await app.blobs()).toHaveLength(1);
  });

  it("finds boundaries split across chunks of any size; CRLF and a boundary's start inside a file are bytes", async () => {
    const app = await served(unique());
    const file = awkwardBytes(5_000);
    const body = concat(
      `preamble, ignored${text("title", "a\r\nb")}`,
      fileHead("doc", "application/octet-stream"),
      file,
      fileHead("photo", "text/plain; charset=utf-8"),
      "\r\n--\r\n",
      close,
      "epilogue, ignored",
    );
    for (const size of [1, 2, 7, 70, 4096]) {
      const res = await app.send("POST", "/products", chunked(body, size), multipart);
      expect(res.status, `chunks of ${size}`).toBe(201);
      expect(res.json.title).toBe("a\r\nb");
      expect(res.json.doc).toMatchObject({ size: file.length, sha256: await hex(file) });
      expect(res.json.photo).toMatchObject({ size: 6, contentType: "text/plain; charset=utf-8" });
      expect(await app.bytes(`/products/${res.json.id}/files/photo`)).toEqual(encoder.encode("\r\n--\r\n"));
    }
  });

  it("a part without a name is a 400; quoted names keep escaped quotes and semicolons; unquoted names work", async () => {
    const app = await served(unique());
    const noName = concat(text("title", "x"), head("form-data"), "orphan", close);
    const res = await app.send("POST", "/products", noName, multipart);
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([
      { path: "", message: "a part has no name (Content-Disposition: form-data; name=…)" },
    ]);
    const escaped = concat(
      head("form-data; name=title"),
      "plain token",
      head('form-data; name="ti\\"tle"'),
      "1",
      head('form-data; name="a;b"'),
      "2",
      head('form-data; filename="x;y.png"; name="doc"', "content-type: image/png\r\n"),
      "PNG",
      close,
    );
    const bad = await app.send("POST", "/products", escaped, multipart);
    expect(bad.status).toBe(400);
    expect(bad.json.error.details).toEqual([
      { path: 'ti"tle', message: "unknown field" },
      { path: "a;b", message: "unknown field" },
    ]);
    const good = concat(
      head("form-data; name=title"),
      "plain token",
      head('form-data; filename="x;y.png"; name="doc"', "content-type: image/png\r\n"),
      "PNG",
      close,
    );
    const ok = await app.send("POST", "/products", good, multipart);
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ title: "plain token", doc: { size: 3, contentType: "image/png" } });
    expect(await app.blobs()).toHaveLength(1);
  });

  it("a failed create or update changes no record and no file and leaves no staged blob", async () => {
    const app = await served(unique());
    const created = await app.send(
      "POST",
      "/products",
      concat(text("title", "lamp"), fileHead("photo", "image/png"), "OLD", close),
      multipart,
    );
    expect(created.status).toBe(201);
    const id = created.json.id;
    const before = (await app.send("GET", `/products/${id}`)).json;
    const failures: [number, string | Uint8Array][] = [
      // A text part that is not valid, after a file part that was staged.
      [
        400,
        concat(fileHead("photo", "image/png"), "NEW", fileHead("doc", "text/plain"), "D", text("tags", "[oops"), close),
      ],
      // The body ends inside a file part, or before the closing boundary.
      [400, concat(fileHead("photo", "image/png"), "NEW", fileHead("doc", "text/plain"), "never closed")],
      [400, concat(fileHead("photo", "image/png"), "NEW", text("title", "x"))],
      // Over maxBytes (10), and a type the field does not take: size answers before type.
      [413, concat(fileHead("doc", "text/plain"), "D", fileHead("photo", "image/png"), "x".repeat(11), close)],
      [413, concat(fileHead("photo", "application/zip"), "x".repeat(11), close)],
      [415, concat(fileHead("doc", "text/plain"), "D", fileHead("photo", "application/zip"), "x", close)],
      // A file part for a field that is not a file, and a text part over 1 MiB.
      [400, concat(fileHead("doc", "text/plain"), "D", fileHead("title", "text/plain"), "x", close)],
      [413, concat(fileHead("doc", "text/plain"), "D", text("title", "x".repeat(1024 * 1024 + 1)), close)],
    ];
    for (const [status, body] of failures) {
      const res = await app.send("PATCH", `/products/${id}`, body, multipart);
      expect(res.status, typeof body === "string" ? body : new TextDecoder().decode(body).slice(0, 200)).toBe(status);
      expect((await app.send("GET", `/products/${id}`)).json).toEqual(before);
      expect(new TextDecoder().decode(await app.bytes(`/products/${id}/files/photo`))).toBe("OLD");
      expect(await app.blobs()).toEqual([expect.stringMatching(new RegExp(`/r/product/${id}/photo$`))]);
    }
    // A create that fails on its record (title is required) stores nothing either.
    const noTitle = await app.send("POST", "/products", concat(fileHead("doc", "text/plain"), "D", close), multipart);
    expect(noTitle.status).toBe(400);
    expect((await app.send("GET", "/products")).json.items).toHaveLength(1);
    expect(await app.blobs()).toHaveLength(1);
  });
  it("answers another user's multipart update of an owned record before reading or staging its body", {
    timeout: 60_000,
  }, async () => {
    const name = unique();
    const app = await hostApp({
      name,
      accounts: {},
      entities: [
        { name: "note", plural: "notes", owner: "user", fields: { title: { type: "string" }, doc: { type: "file" } } },
      ],
    });
    const signup = async (email: string) =>
      (await app.send("POST", "/auth/signup", { email, password: "a long password" })).body.token as string;
    const ann = { authorization: `Bearer ${await signup("ann@example.com")}` };
    const bob = { authorization: `Bearer ${await signup("bob@example.com")}` };
    const made = await app.send("POST", "/notes", { title: "plan" }, ann);
    expect(made.status).toBe(201);
    // A body that sends a file part's start, then holds the rest back until the answer has come (at most
    // 10 s, so a reader that waits for the whole body fails the test rather than hangs it).
    let answered = false;
    let ended = false;
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        step++;
        if (step === 1) return controller.enqueue(concat(fileHead("doc", "text/plain"), "x".repeat(64 * 1024)));
        for (let i = 0; i < 100 && !answered; i++) await new Promise((r) => setTimeout(r, 100));
        ended = true;
        controller.enqueue(encoder.encode(close));
        controller.close();
      },
    });
    const res = await app.host.serveBundle(
      new Request(`http://app/notes/${made.body.id}`, { method: "PATCH", headers: { ...bob, ...multipart }, body }),
      app.bundle,
    );
    answered = true;
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    expect(ended).toBe(false);
    expect((await env.APP_FILES.list({ prefix: `apps/${name}/` })).objects).toEqual([]);
    // Ann, the owner, still updates it the same way.
    const mine = await app.send(
      "PATCH",
      `/notes/${made.body.id}`,
      new TextDecoder().decode(concat(fileHead("doc", "text/plain"), "mine", close)),
      { ...ann, ...multipart },
    );
    expect(mine.status).toBe(200);
    expect(mine.body.doc).toMatchObject({ size: 4 });
  });
});
