// Proves /apps/:name and /apps/:name/k/:key check the app-name and partition-key rules before any
// Durable Object is touched: bad names and keys answer 404 JSON and no AppHostDO comes into being,
// while the same probe does see the host a well-formed unknown name reaches.
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, json, uniqueName } from "../support/api";

async function hostIds(): Promise<Set<string>> {
  return new Set((await listDurableObjectIds(env.APP_HOST)).map((id) => id.toString()));
}

async function newHosts(paths: string[]): Promise<{ created: number; answers: Response[] }> {
  const before = await hostIds();
  const answers: Response[] = [];
  for (const path of paths) answers.push(await api(path));
  const after = await hostIds();
  return { created: [...after].filter((id) => !before.has(id)).length, answers };
}

describe("/apps/:name validated first", () => {
  it("sees the host that a well-formed unknown name reaches (the probe works)", async () => {
    const { created, answers } = await newHosts([`/apps/${uniqueName("ghost")}/tasks`]);
    expect(answers[0]!.status).toBe(404);
    expect(created).toBe(1);
  });

  it("answers 404 JSON for names off the rule, creating no host", async () => {
    const bad = [
      `/apps/${"a".repeat(200)}/tasks`,
      "/apps/UPPER-case/tasks",
      "/apps/a%00b/tasks",
      "/apps/%E0%A4%A/tasks",
      "/apps/x/tasks",
      "/apps/9lives/tasks",
      "/apps/has_underscore/",
    ];
    const { created, answers } = await newHosts(bad);
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect((await json(res)).error.code).toBe("not_found");
    }
    expect(created).toBe(0);
  });

  it("answers 404 JSON for keys off the rule, creating no host", async () => {
    const name = uniqueName("keyed");
    const { created, answers } = await newHosts([
      `/apps/${name}/k/${"x".repeat(65)}/tasks`,
      `/apps/${name}/k//tasks`,
      `/apps/${name}/k/a%00b/tasks`,
      `/apps/${name}/k/a.b/tasks`,
      `/apps/${name}/k/%E0%A4%A/tasks`,
    ]);
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe("not_found");
    }
    expect(created).toBe(0);
  });
});
