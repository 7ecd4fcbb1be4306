// Proves findings reach the refiner for code a model wrote (docs/appspec.md, "What gates a deploy"):
// an action the model wrote that answers 500 to a fuzzed query is sent back with the finding (its
// request and answer) and the refined code deploys; and a model-written finding that remains once
// the refine rounds are spent blocks the deploy, the run's error naming the testing stage.
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { answer, COUNT_CODE, fakeModel, notesSpec, planning } from "./support";

const KEY = "sk-ant-fake-models";
const { script, sent } = fakeModel(KEY);
const NO_FINDINGS = answer({ findings: [] });

/** Holds its example (GET /count → { notes: 0 }), but throws on any query: the fuzz's "odd query" finds it. */
const FRAGILE = `export default async (req, ctx) => {
  if (new URL(req.url).search) throw new Error("queries are not handled");
  const { items } = await ctx.entities.notes.list({ limit: 100 });
  return { notes: items.length };
};
`;

describe("findings on code a model wrote", () => {
  it("send the action back to the refiner with the finding, and deploy the refined code", async () => {
    const name = uniqueName("refined-finding");
    const spec = notesSpec(name);
    await script([
      ...planning(spec),
      answer({ code: FRAGILE }),
      NO_FINDINGS,
      answer({ code: COUNT_CODE }),
      NO_FINDINGS,
    ]);
    const run = await waitForRun((await startRun({ request: "notes" })).id, 60_000);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe("succeeded");
    expect(run.stages.find((s) => s.name === "codegen")!.rounds).toBe(2);
    const refine = (await sent()).find((r) => r.messages[0].content.includes('"failures"'));
    expect(refine.messages[0].content).toContain("action count: fuzz: GET /count: odd query");
    expect(refine.messages[0].content).toContain("answered 500");
    expect((await api(`/apps/${name}/count?x=1`)).status).toBe(200);
  }, 120_000);

  it("block the deploy once the refine rounds are spent", async () => {
    const name = uniqueName("blocked-finding");
    const spec = notesSpec(name);
    const again = `// still fragile\n${FRAGILE}`;
    const rounds = [answer({ code: again }), NO_FINDINGS, answer({ code: `// and again\n${FRAGILE}` }), NO_FINDINGS];
    await script([...planning(spec), answer({ code: FRAGILE }), NO_FINDINGS, ...rounds, ...rounds]);
    const run = await waitForRun((await startRun({ request: "notes" })).id, 120_000);
    expect(run.status).toBe("failed");
    expect(["findings_blocked", "failures_repeated"]).toContain(run.error?.code);
    expect(run.error?.message).toMatch(/^testing: /);
    expect((await api(`/v1/apps/${name}`)).status).toBe(404);
  }, 180_000);
});
