// Proves AppSpec v3 "Files" in a served app, with the real R2 simulation behind it: file uploads
// (size checked before type, parameters ignored, `type/*`), downloads with Content-Type, a quoted
// sha256 ETag, Content-Disposition and 304; file fields take only null in JSON; blobs go with their
// record (delete, cascade, expiry, JSON null) but stay across redeploys, also for a field a version
// removed; multipart creates and updates; ctx.files and ctx.entities.<plural>.file().

import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec, type AppSpecInput, type CodeBundle } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { UPLOAD_SLOTS } from "../../workers/deploy/src/files/slots";
import { product } from "./product";

function spec(name: string, photo: object | null = {}, ttlSeconds?: number): AppSpecInput {
  return {
    name,
    entities: [{ ...product(photo), ...(ttlSeconds ? { ttlSeconds } : {}) }],
    actions: [
      {
        name: "blobs",
        method: "POST",
        path: "/blobs",
        code: `export default async (req, ctx) => {
  const o = await ctx.body();
  if (o.op === "put") { await ctx.files.put(o.key, o.text ?? new Uint8Array(o.bytes ?? []), o.contentType ? { contentType: o.contentType } : undefined); return { ok: true }; }
  if (o.op === "get") { const f = await ctx.files.get(o.key); return f ? { text: new TextDecoder().decode(f.body), contentType: f.contentType, size: f.size } : null; }
  if (o.op === "delete") { await ctx.files.delete(o.key); return { ok: true }; }
  if (o.op === "list") return ctx.files.list(o.prefix);
  if (o.op === "field") { const f = await ctx.entities.products.file(o.id, o.field); return f ? { text: new TextDecoder().decode(f.body), contentType: f.contentType, size: f.size } : null; }
};`,
      },
      {
        name: "raw",
        method: "POST",
        path: "/raw",
        code: "export default async (req) => { const b = await req.arrayBuffer(); return { bytes: b.byteLength }; }",
      },
    ],
  };
}

async function served(input: AppSpecInput) {
  let bundle: CodeBundle = await compileApp(AppSpec.parse(input));
  const host = env.APP_HOST.get(env.APP_HOST.idFromName(`files:${crypto.randomUUID()}`));
  const send = async (method: string, path: string, body?: BodyInit | object, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      const raw =
        typeof body === "string" ||
        body instanceof Uint8Array ||
        body instanceof FormData ||
        body instanceof ReadableStream;
      init.body = raw ? (body as BodyInit) : JSON.stringify(body);
      if (!raw) (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const res = await host.serveBundle(new Request(`http://app${path}`, init), bundle);
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  const blobs = async () => (await env.APP_FILES.list({ prefix: `apps/${input.name}/` })).objects.map((o) => o.key);
  return {
    send,
    blobs,
    async redeploy(next: AppSpecInput) {
      bundle = await compileApp(AppSpec.parse(next));
    },
    /** A GET answered as the app's Response, its body unread (for bytes). */
    get: (path: string) => host.serveBundle(new Request(`http://app${path}`), bundle),
  };
}

const unique = () => `f${crypto.randomUUID().slice(0, 8)}`;
const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

describe("file fields", () => {
  it("upload, download with ETag and Content-Disposition, 304, delete", async () => {
    const app = await served(spec(unique()));
    const { json: product } = await app.send("POST", "/products", { title: "lamp" });
    expect(product.photo).toBeNull();
    const path = `/products/${product.id}/files/photo`;
    expect((await app.send("GET", path)).status).toBe(404);
    const put = await app.send("PUT", path, "PNGDATA", { "content-type": "image/png" });
    expect(put.status).toBe(200);
    expect(put.json.photo).toEqual({ size: 7, contentType: "image/png", sha256: await sha256("PNGDATA") });
    expect(put.json.updatedAt > product.updatedAt).toBe(true);
    const got = await app.send("GET", path);
    expect(got.status).toBe(200);
    expect(got.text).toBe("PNGDATA");
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("etag")).toBe(`"${await sha256("PNGDATA")}"`);
    expect(got.headers.get("content-disposition")).toBe("attachment");
    const cached = await app.send("GET", path, undefined, { "if-none-match": got.headers.get("etag")! });
    expect(cached.status).toBe(304);
    expect((await app.send("GET", path, undefined, { "if-none-match": '"other"' })).status).toBe(200);
    expect((await app.send("GET", `/products/${product.id}`)).json.photo.size).toBe(7);
    const deleted = await app.send("DELETE", path);
    expect(deleted.status).toBe(204);
    expect((await app.send("GET", path)).status).toBe(404);
    expect((await app.send("GET", `/products/${product.id}`)).json.photo).toBeNull();
    expect(await app.blobs()).toEqual([]);
    expect((await app.send("PUT", `/products/${product.id}/files/title`, "x")).status).toBe(404);
    expect((await app.send("PUT", "/products/nope/files/photo", "x", { "content-type": "image/png" })).status).toBe(
      404,
    );
  });

  it("stores and hashes a streamed upload of many blocks byte for byte (the store gathers chunks into 256 KiB blocks)", async () => {
    const app = await served(spec(unique()));
    const { json: product } = await app.send("POST", "/products", { title: "manual" });
    // Three whole blocks and a partial one, every byte depending on its place.
    const bytes = new Uint8Array(3 * 256 * 1024 + 12_345).map((_, i) => (i * 31 + (i >> 10)) & 0xff);
    const hex = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    const path = `/products/${product.id}/files/doc`;
    const put = await app.send("PUT", path, bytes, { "content-type": "application/pdf" });
    expect(put.json.doc).toEqual({ size: bytes.byteLength, contentType: "application/pdf", sha256: hex });
    const got = await app.get(path);
    expect(got.headers.get("etag")).toBe(`"${hex}"`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
  });

  it("streams a body of unknown length past R2's 5 MiB part size (a multipart upload); over maxBytes it replaces nothing", async () => {
    const MiB = 1024 * 1024;
    const app = await served(spec(unique(), { maxBytes: 6 * MiB }));
    const { json: product } = await app.send("POST", "/products", { title: "manual" });
    // Sent in 64 KiB chunks without a Content-Length, each chunk marked with its place.
    const chunked = (size: number) => {
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const n = Math.min(64 * 1024, size - sent);
          if (n === 0) return controller.close();
          const chunk = new Uint8Array(n).fill(sent / 65536);
          if (n >= 4) new DataView(chunk.buffer).setUint32(0, sent);
          controller.enqueue(chunk);
          sent += n;
        },
      });
    };
    const size = 6 * MiB - 4321;
    const expected = new Uint8Array(await new Response(chunked(size)).arrayBuffer());
    const hex = [...new Uint8Array(await crypto.subtle.digest("SHA-256", expected))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    const path = `/products/${product.id}/files/photo`;
    const put = await app.send("PUT", path, chunked(size), { "content-type": "image/png" });
    expect(put.status).toBe(200);
    expect(put.json.photo).toEqual({ size, contentType: "image/png", sha256: hex });
    expect(new Uint8Array(await (await app.get(path)).arrayBuffer())).toEqual(expected);
    // Stored in two parts (R2 names a multipart object's ETag after its parts): never held whole.
    const key = (await app.blobs()).find((k) => k.endsWith("/photo"))!;
    expect((await env.APP_FILES.head(key))?.etag).toMatch(/-2$/);
    const over = await app.send("PUT", path, chunked(6 * MiB + 1), { "content-type": "image/png" });
    expect(over.status).toBe(413);
    expect((await app.send("GET", `/products/${product.id}`)).json.photo.sha256).toBe(hex);
    expect(new Uint8Array(await (await app.get(path)).arrayBuffer())).toEqual(expected);
  });

  it("answers 408 request_timeout to an upload that stalls, with or without a length, and stores nothing", {
    timeout: 90_000,
  }, async () => {
    // A client that sends 1 KiB and then nothing, ever: the upload's idle limit (AIDEVOS_UPLOAD_IDLE_MS,
    // 10 s) answers, not the app's deadline (30 s, a 504); the record keeps what it had.
    const app = await served(spec(unique()));
    const { json: product } = await app.send("POST", "/products", { title: "lamp" });
    const path = `/products/${product.id}/files/doc`;
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(1024).fill(1));
      },
    });
    const declared = new FixedLengthStream(64 * 1024);
    const writer = declared.writable.getWriter();
    void writer.write(new Uint8Array(1024).fill(2));
    for (const body of [chunked, declared.readable]) {
      const res = await app.send("PUT", path, body, { "content-type": "application/pdf" });
      expect(res.status).toBe(408);
      expect(res.json.error.code).toBe("request_timeout");
      expect(res.json.error.message).toMatch(/nothing was stored/);
    }
    expect((await app.send("GET", `/products/${product.id}`)).json.doc).toBeNull();
    expect(await app.blobs()).toEqual([]);
  });

  it("streams at most UPLOAD_SLOTS uploads into the bucket at once: one more waits, unread, and is stored once a slot frees", {
    timeout: 60_000,
  }, async () => {
    // UPLOAD_SLOTS uploads that send 1 KiB and hold (their clients have more to send), then one more
    // with its whole body: it is answered only after a holder finishes, never before (without the
    // bound it would be stored while every holder still holds). Every upload is stored in the end.
    const app = await served(spec(unique()));
    const ids: string[] = [];
    for (let i = 0; i <= UPLOAD_SLOTS; i++) ids.push((await app.send("POST", "/products", { title: `p${i}` })).json.id);
    const done: string[] = [];
    const holders = ids.slice(0, UPLOAD_SLOTS).map((id, i) => {
      let finish!: () => void;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(1024).fill(i));
          finish = () => {
            controller.enqueue(new Uint8Array(1024).fill(i));
            controller.close();
          };
        },
      });
      const answered = app.send("PUT", `/products/${id}/files/doc`, body, { "content-type": "application/pdf" });
      return {
        finish,
        answered: answered.then((res) => {
          done.push(`holder ${i}`);
          return res;
        }),
      };
    });
    // Time for every holder to reach the bucket and take its slot.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const last = app
      .send("PUT", `/products/${ids[UPLOAD_SLOTS]}/files/doc`, "the whole body", { "content-type": "application/pdf" })
      .then((res) => {
        done.push("last");
        return res;
      });
    // Time enough for the last upload to be stored if nothing held it back.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    holders[0]!.finish();
    expect((await holders[0]!.answered).status).toBe(200);
    expect((await last).status).toBe(200);
    expect(done.slice(0, 2)).toEqual(["holder 0", "last"]);
    for (const holder of holders.slice(1)) holder.finish();
    for (const holder of holders) expect((await holder.answered).json.doc.size).toBe(2048);
    expect((await app.send("GET", `/products/${ids[UPLOAD_SLOTS]}/files/doc`)).text).toBe("the whole body");
  });

  it("checks size before type (413, then 415), ignores parameters, takes type/*", async () => {
    const app = await served(spec(unique()));
    const { json: product } = await app.send("POST", "/products", { title: "lamp" });
    const path = `/products/${product.id}/files/photo`;
    const big = await app.send("PUT", path, "x".repeat(11), { "content-type": "application/zip" });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("payload_too_large");
    const wrong = await app.send("PUT", path, "x".repeat(10), { "content-type": "application/zip" });
    expect(wrong.status).toBe(415);
    expect(wrong.json.error.code).toBe("unsupported_media_type");
    expect((await app.send("PUT", path, "x", { "content-type": "IMAGE/PNG; charset=binary" })).status).toBe(200);
    const text = await app.send("PUT", path, "hello", { "content-type": "text/markdown; charset=utf-8" });
    expect(text.status).toBe(200);
    expect(text.json.photo.contentType).toBe("text/markdown; charset=utf-8");
    expect((await app.send("GET", path)).headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(await app.blobs()).toHaveLength(1);
    // A body of no declared length is counted as it streams: over maxBytes, refused, and the file kept.
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("x".repeat(6)));
        controller.enqueue(new TextEncoder().encode("x".repeat(6)));
        controller.close();
      },
    });
    expect((await app.send("PUT", path, chunked as unknown as BodyInit, { "content-type": "image/png" })).status).toBe(
      413,
    );
    expect((await app.send("GET", path)).text).toBe("hello");
  });

  it("take only null in JSON bodies; null deletes the file", async () => {
    const app = await served(spec(unique()));
    const meta = { size: 1, contentType: "image/png", sha256: "00" };
    const refused = await app.send("POST", "/products", { title: "a", photo: meta });
    expect(refused.status).toBe(400);
    expect(refused.json.error.details[0].path).toBe("photo");
    const { json: product } = await app.send("POST", "/products", { title: "a", photo: null });
    expect((await app.send("PATCH", `/products/${product.id}`, { photo: meta })).status).toBe(400);
    await app.send("PUT", `/products/${product.id}/files/photo`, "x", { "content-type": "image/png" });
    expect(await app.blobs()).toHaveLength(1);
    expect((await app.send("PATCH", `/products/${product.id}`, { photo: null })).json.photo).toBeNull();
    expect(await app.blobs()).toEqual([]);
    expect((await app.send("GET", `/products?photo=x`)).status).toBe(400);
  });

  it("go with their record (delete and expiry), stay across redeploys, also for a field a version removed", async () => {
    const name = unique();
    const app = await served(spec(name));
    const { json: a } = await app.send("POST", "/products", { title: "a" });
    const { json: b } = await app.send("POST", "/products", { title: "b" });
    await app.send("PUT", `/products/${a.id}/files/photo`, "aa", { "content-type": "image/png" });
    await app.send("PUT", `/products/${a.id}/files/doc`, "doc", { "content-type": "application/pdf" });
    await app.send("PUT", `/products/${b.id}/files/photo`, "bb", { "content-type": "image/png" });
    expect(await app.blobs()).toHaveLength(3);
    await app.redeploy(spec(name, null));
    expect((await app.send("GET", `/products/${a.id}/files/doc`)).text).toBe("doc");
    expect((await app.send("GET", `/products/${a.id}/files/photo`)).status).toBe(404);
    expect(await app.blobs()).toHaveLength(3);
    await app.send("DELETE", `/products/${a.id}`);
    expect(await app.blobs()).toHaveLength(1);
    await app.redeploy(spec(name));
    expect((await app.send("GET", `/products/${b.id}/files/photo`)).text).toBe("bb");

    const expiring = await served(spec(unique(), {}, 1));
    const { json: c } = await expiring.send("POST", "/products", { title: "c" });
    await expiring.send("PUT", `/products/${c.id}/files/photo`, "cc", { "content-type": "image/png" });
    expect(await expiring.blobs()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await expiring.send("GET", "/products")).json.items).toEqual([]);
    expect(await expiring.blobs()).toEqual([]);
  });

  it("multipart/form-data creates and updates: text parts as query values, file parts checked", async () => {
    const app = await served(spec(unique()));
    const form = new FormData();
    form.append("title", "lamp");
    form.append("tags", '["a","b"]');
    form.append("photo", new File(["PNG"], "p.png", { type: "image/png" }));
    const created = await app.send("POST", "/products", form);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      title: "lamp",
      tags: ["a", "b"],
      photo: { size: 3, contentType: "image/png" },
    });
    expect((await app.send("GET", `/products/${created.json.id}/files/photo`)).text).toBe("PNG");
    const patch = new FormData();
    patch.append("tags", "");
    patch.append("doc", new File(["DOC"], "d.txt", { type: "text/plain" }));
    const updated = await app.send("PATCH", `/products/${created.json.id}`, patch);
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ tags: null, doc: { size: 3, contentType: "text/plain" } });
    const tooBig = new FormData();
    tooBig.append("title", "x");
    tooBig.append("photo", new File(["x".repeat(11)], "p.png", { type: "image/png" }));
    expect((await app.send("POST", "/products", tooBig)).status).toBe(413);
    const badType = new FormData();
    badType.append("title", "x");
    badType.append("photo", new File(["x"], "p.zip", { type: "application/zip" }));
    expect((await app.send("POST", "/products", badType)).status).toBe(415);
    const badJson = new FormData();
    badJson.append("title", "x");
    badJson.append("tags", "[oops");
    expect((await app.send("POST", "/products", badJson)).status).toBe(400);
    expect((await app.send("GET", "/products")).json.items).toHaveLength(1);
  });
});

describe("multipart bodies under attack", () => {
  const boundary = "----aidevos-attack";
  const encoder = new TextEncoder();
  const head = (name: string, file?: string) =>
    `--${boundary}\r\ncontent-disposition: form-data; name="${name}"${file ? `; filename="${file}"` : ""}\r\n${file ? "content-type: application/pdf\r\n" : ""}\r\n`;
  const multipart = { "content-type": `multipart/form-data; boundary=${boundary}` };

  it("a body without a length that never ends answers 413 once past the entity's budget (1 MiB + its files' maxBytes)", async () => {
    const app = await served(spec(unique()));
    // Endless in a file part (stopped by its field's maxBytes as it streams), and in a part no field
    // takes (read through, so only the whole body's budget stops it).
    for (const [endlessPart, message] of [
      [head("doc", "d.pdf"), /^the file is larger than 10485760 bytes$/],
      [head("nofield", "x.bin"), /multipart body for products is at most \d+ bytes/],
    ] as const) {
      let sent = 0;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(
            sent === 0 ? encoder.encode(`${head("title")}x\r\n${endlessPart}`) : new Uint8Array(65536),
          );
          sent++;
        },
      });
      const res = await app.send("POST", "/products", endless, multipart);
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe("payload_too_large");
      expect(res.json.error.message).toMatch(message);
      // Refused after about the budget (10 MiB + 10 bytes + 1 MiB), not read to its (missing) end.
      expect(sent * 65536).toBeLessThan(16 * 1024 * 1024);
    }
    expect((await app.send("GET", "/products")).json.items).toHaveLength(0);
    expect(await app.blobs()).toEqual([]);
  });

  it("many parts answer 400 with one detail; a part header without end and a boundary never closed answer 400", async () => {
    const app = await served(spec(unique()));
    const many = `${Array.from({ length: 5000 }, (_, i) => `${head(`f${i}`)}v\r\n`).join("")}--${boundary}--\r\n`;
    const res = await app.send("POST", "/products", many, multipart);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("validation_failed");
    expect(res.json.error.details).toEqual([{ path: "", message: "a multipart body has at most 100 parts, not 5000" }]);
    const headerWithoutEnd = `--${boundary}\r\ncontent-disposition: form-data; name="title"\r\n${"x-pad: y\r\n".repeat(1000)}`;
    const neverClosed = `${head("title")}lamp\r\n${head("doc", "d.pdf")}bytes without a closing boundary`;
    for (const body of [headerWithoutEnd, neverClosed]) {
      const bad = await app.send("POST", "/products", body, multipart);
      expect(bad.status).toBe(400);
      expect(bad.json.error.code).toBe("validation_failed");
    }
    expect((await app.send("GET", "/products")).json.items).toHaveLength(0);
  });
});

describe("ctx.files and ctx.entities.<plural>.file()", () => {
  it("put, get, list in key order, delete; keys of 1 to 512 characters; a namespace apart from file fields", async () => {
    const app = await served(spec(unique()));
    const blobs = (body: object) => app.send("POST", "/blobs", body);
    expect((await blobs({ op: "put", key: "b/2", text: "two" })).status).toBe(200);
    expect((await blobs({ op: "put", key: "a", bytes: [1, 2, 3], contentType: "application/x-a" })).status).toBe(200);
    expect((await blobs({ op: "put", key: "b/1", text: "one" })).status).toBe(200);
    expect((await blobs({ op: "get", key: "b/2" })).json).toEqual({
      text: "two",
      contentType: "text/plain; charset=utf-8",
      size: 3,
    });
    expect((await blobs({ op: "get", key: "none" })).json).toBeNull();
    expect((await blobs({ op: "list" })).json.map((f: { key: string }) => f.key)).toEqual(["a", "b/1", "b/2"]);
    expect((await blobs({ op: "list", prefix: "b/" })).json).toEqual([
      { key: "b/1", size: 3, contentType: "text/plain; charset=utf-8" },
      { key: "b/2", size: 3, contentType: "text/plain; charset=utf-8" },
    ]);
    await blobs({ op: "delete", key: "b/1" });
    expect((await blobs({ op: "list", prefix: "b/" })).json).toHaveLength(1);
    for (const key of ["", "k".repeat(513)]) {
      const res = await blobs({ op: "put", key, text: "x" });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("validation_failed");
    }
    expect((await blobs({ op: "put", key: "k".repeat(512), text: "x" })).status).toBe(200);
    const { json: product } = await app.send("POST", "/products", { title: "lamp" });
    await app.send("PUT", `/products/${product.id}/files/photo`, "PNG", { "content-type": "image/png" });
    expect((await blobs({ op: "list" })).json).toHaveLength(3);
    expect((await blobs({ op: "field", id: product.id, field: "photo" })).json).toEqual({
      text: "PNG",
      contentType: "image/png",
      size: 3,
    });
    expect((await blobs({ op: "field", id: product.id, field: "doc" })).json).toBeNull();
    expect((await blobs({ op: "field", id: product.id, field: "title" })).status).toBe(400);
  });

  it("actions read a raw body; bodies over 1 MiB answer 413 before the action runs", async () => {
    const app = await served(spec(unique()));
    expect((await app.send("POST", "/raw", new Uint8Array(1000))).json).toEqual({ bytes: 1000 });
    const res = await app.send("POST", "/raw", new Uint8Array(1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
  });
});
