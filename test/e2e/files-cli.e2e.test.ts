// Proves `aidevos files list|get|put` (tools/cli/src/files.ts) as a user runs it, against `wrangler dev`:
// a record's file fields listed with size, type and path; bytes uploaded (type from the extension) and
// downloaded byte for byte, hashed as the app hashes them; an `access: "key"` app's routes reached with
// the app key given, refused without it; the app's errors (415) and bad usage exit 2. And the dashboard's
// Files section (headless Chromium): a record's files with name, size, type and a working download
// link, a content type holding markup shown as text, and no operator token sent to the app.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchChromium } from "./chromium";
import { type DevServer, devCall, devCli, devDeploy, startWranglerDev } from "./wrangler-dev";

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
});
afterAll(async () => {
  await dev?.stop();
});

const cli = (...args: string[]) => devCli(dev, args);

describe("aidevos files", () => {
  it("lists, uploads and downloads a record's files with the app key; refuses without it", async () => {
    const name = `cli-files-${Date.now().toString(36)}`;
    await devDeploy(dev, {
      name,
      access: "key",
      entities: [
        {
          name: "product",
          plural: "products",
          fields: {
            title: { type: "string", required: true },
            photo: { type: "file", maxBytes: 100_000, contentTypes: ["image/png"] },
            manual: { type: "file" },
          },
        },
      ],
    });
    const key = (await devCall(dev, `/v1/apps/${name}/keys`, { method: "POST" })).body.key as string;
    const made = await fetch(`${dev.base}/apps/${name}/products`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "lamp" }),
    });
    const { id } = (await made.json()) as { id: string };

    const png = join(tmpdir(), `${name}.png`);
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    writeFileSync(png, bytes);
    const sha = createHash("sha256").update(bytes).digest("hex");

    expect(await cli("files", "list", name, "products", id, "--app-key", key)).toMatchObject({
      code: 0,
      stdout: "photo\t(none)\nmanual\t(none)\n",
    });
    const put = await cli("files", "put", name, "products", id, "photo", png, "--app-key", key);
    expect(put).toMatchObject({ code: 0, stdout: `photo: 3000 bytes, image/png, sha256 ${sha}\n` });

    const listed = await cli("files", "list", name, "products", id, "--app-key", key, "--json");
    expect(JSON.parse(listed.stdout).items).toEqual([
      {
        field: "photo",
        size: 3000,
        contentType: "image/png",
        sha256: sha,
        url: `/apps/${name}/products/${id}/files/photo`,
      },
      { field: "manual", size: null, contentType: null, sha256: null, url: null },
    ]);
    const out = join(tmpdir(), `${name}.out`);
    expect((await cli("files", "get", name, "products", id, "photo", "--out", out, "--app-key", key)).code).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);

    // The app's own answers: no app key, a type the field does not take, a field with no file.
    const without = await cli("files", "get", name, "products", id, "photo");
    expect(without.code).toBe(2);
    expect(without.stderr).toContain("error (401");
    const txt = join(tmpdir(), `${name}.txt`);
    writeFileSync(txt, "words");
    const refused = await cli("files", "put", name, "products", id, "photo", txt, "--app-key", key);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("error (415 unsupported_media_type)");
    const unset = await cli("files", "get", name, "products", id, "manual", "--app-key", key);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("error (404 not_found)");
    const usage = await cli("files", "put", name, "products", id);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: aidevos files list <app> <plural> <id>");
  });
});

describe.runIf(existsSync(CHROMIUM))("a record's files in the dashboard (Chromium)", () => {
  it("lists each file field with size, type and a download link; markup in a type stays text", async () => {
    const name = `web-files-${Date.now().toString(36)}`;
    await devDeploy(dev, {
      name,
      entities: [
        {
          name: "document",
          plural: "documents",
          fields: {
            title: { type: "string", required: true },
            scan: { type: "file", contentTypes: ["text/*"] },
            cover: { type: "file" },
          },
        },
      ],
    });
    const made = await devCall(dev, `/apps/${name}/documents`, { method: "POST", json: { title: "memo" } });
    const id = made.body.id as string;
    // Parameters of a Content-Type are kept as sent (only the media type is checked): markup can ride in them.
    const markup = 'text/plain; x="<img src=x onerror=window.__pwned=1>"';
    const put = await fetch(`${dev.base}/apps/${name}/documents/${id}/files/scan`, {
      method: "PUT",
      headers: { "content-type": markup },
      body: "scanned words",
    });
    expect(put.status).toBe(200);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const appCalls: { path: string; authorization: string | undefined }[] = [];
      page.on("request", (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith("/apps/"))
          appCalls.push({ path: url.pathname, authorization: r.headers().authorization });
      });
      // An operator token in the dashboard: it must not reach the app.
      await page.goto(`${dev.base}/`);
      await page.evaluate(() => localStorage.setItem("aidevos-token", "operator-token-never-to-apps"));
      await page.goto(`${dev.base}/#/apps/${name}`);
      const section = page.locator("#files-section");
      await section.getByLabel("Record id").waitFor();
      await section.getByLabel("Record id").fill(id);
      await section.getByRole("button", { name: "Show files" }).click();
      const rows = section.locator("#files-list tbody tr");
      await rows.first().waitFor();
      const scanRow = await rows.nth(0).innerText();
      expect(scanRow).toContain("scan");
      expect(scanRow).toContain("13 bytes");
      expect(scanRow).toContain(markup);
      expect(await rows.nth(1).innerText()).toMatch(/cover\s+no file/);
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      const href = await rows.nth(0).getByRole("link", { name: "Download" }).getAttribute("href");
      expect(href).toBe(`/apps/${name}/documents/${id}/files/scan`);
      expect(await (await fetch(`${dev.base}${href}`)).text()).toBe("scanned words");
      expect(appCalls.map((c) => c.path)).toContain(`/apps/${name}/documents/${id}`);
      expect(appCalls.every((c) => c.authorization === undefined)).toBe(true);

      // An unknown record: the app's own 404, shown as it is.
      await section.getByLabel("Record id").fill("no-such-record");
      await section.getByRole("button", { name: "Show files" }).click();
      await section.locator("#files-list .error").waitFor();
    } finally {
      await browser.close();
    }
  });
});
