// Writes the replay fixtures in packages/llm/fixtures (run: pnpm fixtures). Answers are built from the
// AppSpec compiler's output, with defects planted where a fixture needs the refine loop; usage figures
// are illustrative, shaped like real Messages API usage.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileApp } from "@aidevos/compiler";
import { AppSpec, bundleHash, type CodeBundle } from "@aidevos/core";
import { describeArchitecture, type Fixture, planTasks } from "@aidevos/llm";
import { it } from "vitest";

const DIR = join(__dirname, "../packages/llm/fixtures");

function usage(input: number, output: number, cacheRead = 0, cacheWrite = 0) {
  return { inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite };
}

/** The same bundle with one replacement in one file: a planted defect. */
async function plant(bundle: CodeBundle, file: string, from: string, to: string): Promise<CodeBundle> {
  const files = bundle.files.map((f) => {
    if (f.path !== file) return f;
    if (!f.content.includes(from)) throw new Error(`${file} has no ${from}`);
    return { ...f, content: f.content.replace(from, to) };
  });
  return { ...bundle, files, hash: await bundleHash(files) };
}

async function planning(
  spec: AppSpec,
  requirements: string[] = [],
  acceptanceCriteria: string[] = [],
): Promise<Fixture["calls"]> {
  const model = "claude-sonnet-4-6";
  const architecture = describeArchitecture(spec);
  return [
    {
      task: "spec",
      model,
      usage: usage(620, 410, 0, 2150),
      answer: { spec, requirements, acceptanceCriteria },
    },
    { task: "architecture", model, usage: usage(540, 690, 2150, 0), answer: architecture },
    { task: "tasks", model, usage: usage(910, 260, 2150, 0), answer: planTasks(spec) },
  ];
}

const REVIEW = {
  task: "review" as const,
  model: "claude-haiku-4-5",
  usage: usage(4200, 120, 1900, 0),
  answer: { findings: [] },
};

function write(fixture: Fixture) {
  writeFileSync(join(DIR, `${fixture.name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
}

it("records the replay fixtures", async () => {
  const notes = AppSpec.parse({
    name: "team-notes",
    description: "Notes kept separately for each team",
    partition: "perKey",
    entities: [
      {
        name: "note",
        plural: "notes",
        fields: {
          text: { type: "string", required: true, minLength: 1, maxLength: 2000 },
          pinned: { type: "boolean", default: false },
        },
      },
    ],
  });
  write({
    name: "notes-from-text",
    description: "A free-text request ('a place for each team to keep notes') planned into a perKey notes app.",
    calls: [
      ...(await planning(
        notes,
        ["Each team keeps its own notes; no team can read another's"],
        ["A note created for team red is not listed for team blue"],
      )),
      { task: "code", model: "claude-sonnet-4-6", usage: usage(3100, 5400, 2150, 0), answer: await compileApp(notes) },
      REVIEW,
    ],
  });

  const shelf = AppSpec.parse({
    name: "shelf",
    entities: [{ name: "book", plural: "books", fields: { title: { type: "string", required: true } } }],
  });
  const good = await compileApp(shelf);
  const wrongStatus = await plant(good, "app.js", "return json(201, record);", "return json(200, record);");
  write({
    name: "refine-fixes-status",
    description:
      "The first code answers 200 instead of 201 on create; integration tests catch it and the refiner fixes it.",
    calls: [
      ...(await planning(shelf)),
      { task: "code", model: "claude-sonnet-4-6", usage: usage(3100, 5400, 2150, 0), answer: wrongStatus },
      { task: "refine", round: 1, model: "claude-sonnet-4-6", usage: usage(6800, 5400, 2150, 0), answer: good },
      REVIEW,
    ],
  });

  const stalled = AppSpec.parse({ ...shelf, name: "stalled-shelf" });
  const stalledGood = await compileApp(stalled);
  const stalledBad = await plant(stalledGood, "app.js", "return json(201, record);", "return json(200, record);");
  write({
    name: "refine-stalls",
    description: "The refiner returns the same broken code: the run stops instead of looping, and nothing deploys.",
    calls: [
      ...(await planning(stalled)),
      { task: "code", model: "claude-sonnet-4-6", usage: usage(3100, 5400, 2150, 0), answer: stalledBad },
      { task: "refine", model: "claude-sonnet-4-6", usage: usage(6800, 5400, 2150, 0), answer: stalledBad },
      REVIEW,
    ],
  });

  // The learning experiment: without the lesson the model writes 200 on create; given it, 201.
  const catalog = AppSpec.parse({
    name: "catalog",
    entities: [{ name: "book", plural: "books", fields: { title: { type: "string", required: true } } }],
  });
  const catalogGood = await compileApp(catalog);
  write({
    name: "catalog-status",
    description:
      "Recorded with and without the lesson about create answering 201: the lesson prevents the refine round.",
    calls: [
      ...(await planning(catalog)),
      {
        task: "code",
        model: "claude-sonnet-4-6",
        usage: usage(3100, 5400, 2150, 0),
        answer: await plant(catalogGood, "app.js", "return json(201, record);", "return json(200, record);"),
      },
      {
        task: "code",
        requiresKnowledge: "create answers 201",
        model: "claude-sonnet-4-6",
        usage: usage(3300, 5400, 2150, 0),
        answer: catalogGood,
      },
      { task: "refine", round: 1, model: "claude-sonnet-4-6", usage: usage(6800, 5400, 2150, 0), answer: catalogGood },
      REVIEW,
    ],
  });

  // A bug the tests cannot see: titles starting with "crash" make create throw. Production traffic finds it.
  const ledger = AppSpec.parse({
    name: "ledger",
    entities: [{ name: "entry", plural: "entries", fields: { title: { type: "string", required: true } } }],
  });
  write({
    name: "prod-bug",
    description: "Code that passes every test but fails in production on titles starting with 'crash'.",
    calls: [
      ...(await planning(ledger)),
      {
        task: "code",
        model: "claude-sonnet-4-6",
        usage: usage(3100, 5400, 2150, 0),
        answer: await plant(
          await compileApp(ledger),
          "records.js",
          "    const values = validateCreate(entity, body);",
          '    const values = validateCreate(entity, body);\n    if (String(values.title ?? "").startsWith("crash")) throw new Error("title parser exploded");',
        ),
      },
      REVIEW,
    ],
  });

  // Every round fixes one defect and plants another: different tests fail each time, until no round is left.
  const worn = AppSpec.parse({ ...shelf, name: "worn-shelf" });
  const wornGood = await compileApp(worn);
  const attempts = [
    await plant(wornGood, "app.js", "return json(201, record);", "return json(200, record);"),
    await plant(wornGood, "model.js", 'new HttpError(404, "not_found"', 'new HttpError(404, "missing"'),
    await plant(wornGood, "model.js", "Number(raw) > MAX_LIMIT", "Number(raw) > 1000"),
    await plant(wornGood, "model.js", ".filter((key) => !Object.hasOwn(entity.fields, key))", ".filter(() => false)"),
  ];
  write({
    name: "refine-exhausts",
    description: "Each refine round changes the code but never fixes the status: the run fails after the last round.",
    calls: [
      ...(await planning(worn)),
      { task: "code", model: "claude-sonnet-4-6", usage: usage(3100, 5400, 2150, 0), answer: attempts[0] },
      ...attempts.slice(1).map((answer, i) => ({
        task: "refine" as const,
        round: i + 1,
        model: "claude-sonnet-4-6",
        usage: usage(6800, 5400, 2150, 0),
        answer,
      })),
      REVIEW,
    ],
  });
});
