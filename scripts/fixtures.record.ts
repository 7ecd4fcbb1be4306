// Writes the scripted replay fixtures in packages/llm/fixtures (run: pnpm fixtures): planning answers
// from the offline architecture, and each action's code as a model would write it, with defects planted
// where a fixture needs the refine loop. Not recorded from a live model; usage figures are illustrative,
// shaped like real Messages API usage. The hand-written fixtures (fenced-code, bogus-hash, truncated,
// review-finds-bug, fails-example, wrong-ctx-api, never-converges) are not written here.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppSpec } from "@aidevos/core";
import { describeArchitecture, type Fixture, planTasks } from "@aidevos/llm";
import { it } from "vitest";

const DIR = join(__dirname, "../packages/llm/fixtures");
const SONNET = "claude-sonnet-4-6";
const NOTE = "Scripted by scripts/fixtures.record.ts, not recorded: usage figures are illustrative.";

function usage(input: number, output: number, cacheRead = 0, cacheWrite = 0) {
  return { inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite };
}

function planning(spec: AppSpec, requirements: string[] = [], acceptanceCriteria: string[] = []): Fixture["calls"] {
  return [
    {
      task: "spec",
      model: SONNET,
      usage: usage(620, 410, 0, 2150),
      answer: { spec, requirements, acceptanceCriteria },
    },
    { task: "architecture", model: SONNET, usage: usage(540, 690, 2150, 0), answer: describeArchitecture(spec) },
    { task: "tasks", model: SONNET, usage: usage(910, 260, 2150, 0), answer: planTasks(spec) },
  ];
}

/** One action's code, as the code call answers it. */
function code(action: string, text: string, extra: Partial<Fixture["calls"][number]> = {}): Fixture["calls"][number] {
  return { task: "code", action, model: SONNET, usage: usage(1100, 180, 2950, 0), ...extra, answer: { code: text } };
}

function refine(action: string, round: number, text: string): Fixture["calls"][number] {
  return { task: "refine", action, round, model: SONNET, usage: usage(1700, 190, 2950, 0), answer: { code: text } };
}

const REVIEW = {
  task: "review" as const,
  model: "claude-haiku-4-5",
  usage: usage(1400, 40, 1900, 0),
  answer: { findings: [] },
};

function write(fixture: Omit<Fixture, "origin" | "note">) {
  const full: Fixture = { ...fixture, origin: "scripted", note: NOTE };
  writeFileSync(join(DIR, `${fixture.name}.json`), `${JSON.stringify(full, null, 2)}\n`);
}

/** A shelf of books with a `shelve` action whose examples ask for 201 and the book. */
function shelf(
  name: string,
  examples: unknown[] = [
    { method: "POST", path: "/shelve", body: { title: "Dune" }, status: 201, json: { title: "Dune" } },
  ],
) {
  return AppSpec.parse({
    name,
    entities: [{ name: "book", plural: "books", fields: { title: { type: "string", required: true } } }],
    actions: [
      {
        name: "shelve",
        method: "POST",
        path: "/shelve",
        description: "Puts a book on the shelf by title; answers 201 with the book",
        examples,
      },
    ],
  });
}

// A JSON value is answered 200: the defect the examples catch (they want 201).
const SHELVE_200 = "export default async (req, ctx) => ctx.entities.books.create(await ctx.body());\n";
const SHELVE_201 =
  "export default async (req, ctx) => ctx.json(await ctx.entities.books.create(await ctx.body()), 201);\n";

it("writes the scripted replay fixtures", async () => {
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
    actions: [
      {
        name: "pin",
        method: "POST",
        path: "/notes/:id/pin",
        description: "Pins a note; answers the note",
        examples: [
          { method: "POST", path: "/notes", body: { text: "standup at 10" }, status: 201, save: { note: "id" } },
          { method: "POST", path: "/notes/{{note}}/pin", status: 200, json: { pinned: true } },
        ],
      },
    ],
  });
  write({
    name: "notes-from-text",
    description:
      "A free-text request ('a place for each team to keep notes') planned into a perKey notes app with a pin action.",
    outcome: { status: "succeeded", rounds: 0 },
    calls: [
      ...planning(
        notes,
        ["Each team keeps its own notes; no team can read another's"],
        ["A note created for team red is not listed for team blue", "A pinned note reads pinned: true"],
      ),
      code("pin", "export default async (req, ctx) => ctx.entities.notes.update(ctx.params.id, { pinned: true });\n"),
      REVIEW,
    ],
  });

  write({
    name: "refine-fixes-status",
    description: "The first code answers 200 instead of 201; the action's example catches it and the refiner fixes it.",
    outcome: { status: "succeeded", rounds: 1 },
    calls: [...planning(shelf("shelf")), code("shelve", SHELVE_200), refine("shelve", 1, SHELVE_201), REVIEW],
  });

  write({
    name: "refine-stalls",
    description: "The refiner returns the same broken code: the run stops instead of looping, and nothing deploys.",
    outcome: { status: "failed", error: "refine_stalled", rounds: 1 },
    calls: [
      ...planning(shelf("stalled-shelf")),
      code("shelve", SHELVE_200),
      { ...refine("shelve", 1, SHELVE_200), round: undefined },
      REVIEW,
    ],
  });

  // The learning experiment: without the lesson the model answers 200; given it, 201.
  write({
    name: "catalog-status",
    description: "Scripted with and without the lesson about the shelve example: the lesson prevents the refine round.",
    outcome: { status: "succeeded", rounds: 1 },
    calls: [
      ...planning(shelf("catalog")),
      code("shelve", SHELVE_200),
      code("shelve", SHELVE_201, { requiresKnowledge: "shelve example 1", usage: usage(1300, 180, 2950, 0) }),
      refine("shelve", 1, SHELVE_201),
      REVIEW,
    ],
  });

  // A bug the tests cannot see: titles starting with "crash" make the create action throw. Production traffic finds it.
  const ledger = AppSpec.parse({
    name: "ledger",
    entities: [{ name: "entry", plural: "entries", fields: { title: { type: "string", required: true } } }],
    actions: [
      {
        name: "addEntry",
        method: "POST",
        path: "/entries",
        description: "Adds an entry; answers 201 with it",
        examples: [
          { method: "POST", path: "/entries", body: { title: "first" }, status: 201, json: { title: "first" } },
        ],
      },
    ],
  });
  write({
    name: "prod-bug",
    description: "Code that passes every test but fails in production on titles starting with 'crash'.",
    outcome: { status: "succeeded", rounds: 0 },
    calls: [
      ...planning(ledger),
      code(
        "addEntry",
        [
          "export default async (req, ctx) => {",
          "  const body = await ctx.body();",
          '  if (String(body?.title ?? "").startsWith("crash")) throw new Error("title parser exploded");',
          "  return ctx.json(await ctx.entities.entries.create(body), 201);",
          "};",
          "",
        ].join("\n"),
      ),
      REVIEW,
    ],
  });

  // Every round fixes one step and breaks the next: a different step fails each time, until no round is left.
  const worn = shelf("worn-shelf", [
    { method: "POST", path: "/shelve", body: { title: "A" }, status: 201 },
    { method: "POST", path: "/shelve", body: { title: "B" }, status: 201, json: { title: "B" } },
    {
      method: "POST",
      path: "/shelve",
      body: { title: "" },
      status: 400,
      json: { error: { code: "validation_failed" } },
    },
    { path: "/books", status: 200, count: { items: 2 } },
  ]);
  const attempts = [
    SHELVE_200,
    "export default async (req, ctx) => {\n  await ctx.entities.books.create(await ctx.body());\n  return ctx.json({ ok: true }, 201);\n};\n",
    SHELVE_201,
    [
      "export default async (req, ctx) => {",
      "  const body = await ctx.body();",
      '  if (typeof body?.title !== "string" || body.title === "") ctx.error(400, "validation_failed", "title is required");',
      "  await ctx.entities.books.create(body);",
      "  return ctx.json(await ctx.entities.books.create(body), 201);",
      "};",
      "",
    ].join("\n"),
  ];
  write({
    name: "refine-exhausts",
    description:
      "Each refine round changes the code and a different example step fails: the run fails after the last round.",
    outcome: { status: "failed", error: "tests_failed", rounds: 3 },
    calls: [
      ...planning(worn),
      code("shelve", attempts[0]!),
      ...attempts.slice(1).map((text, i) => refine("shelve", i + 1, text)),
      REVIEW,
    ],
  });
});
