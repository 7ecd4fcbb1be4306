import { contractText } from "./contract";
import { REFINE_MODULES } from "./module";

/**
 * Version 2 of the pipeline's prompts (AppSpec v2 division of labour): planning writes the spec with
 * its actions and examples, code generation writes one action's `code` per call, the compiler writes
 * everything else. The code, review and refine prompts carry the contract itself (./contract.ts, the
 * same text docs/appspec.md holds), never a pointer to a document the model cannot see. A changed
 * prompt is a new version file, so a run's events say which prompts produced its code.
 */

// ── Planning ─────────────────────────────────────────────────────────────────────────────────────
const SPEC = `Write the AppSpec v2 for the feature request in <input>: entities with typed fields and constraints,
counters, a rate limit only when asked, and an action for every behaviour the entity routes cannot express.
Each action has a camelCase name, a method, a path relative to the app's base, a description saying exactly
what it does and answers, and examples: steps drawn from the request's acceptance criteria (method, path,
body, the expected status and json; save ids as {{vars}} and create the records an example needs in
earlier steps). Leave every action's code out: code generation writes it, one action at a time.
If <input> carries a spec, keep it and its code unless the request asks for a change. If <input> carries
currentSpec (the live app), start from it and change only what the request needs: keep its actions and
their code as they are, and leave out the code only of actions the request changes or adds. Keep the app's
name. Its clients depend on the live spec: never remove or rename a route, entity or field, make a field
required, change a type or tighten a constraint unless the request asks for exactly that; add new fields as
optional (or with a default). A breaking change fails the run. Prefer the smallest spec that does what was asked.`;

const ARCHITECTURE = `Design the Durable Object app for the AppSpec in <input>: the class, its partition, every HTTP route
of the contract (actions first: they are matched before the entity routes), the SQLite tables and the
bindings it needs (none beyond its own storage). If <input> carries workedExamples (specs of apps known to
work), design the parts that are alike the way those apps have them.`;

const TASKS = `Break the architecture in <input> into coding tasks. The AppSpec compiler writes the entity routes,
storage and tests; the model writes only action code: one task per action, file actions/<name>.js, saying
what the action does and answers.`;

// ── Code ─────────────────────────────────────────────────────────────────────────────────────────
const CODE = `${contractText()}

Write the code of the one action in <input>.action for the app in <input>.app (its entities, counters and the
other actions' routes). Answer with the module's source only, as plain JavaScript text (no Markdown fences):
\`export default async (request, ctx) => { ... }\`. Use only the ctx members listed above; make every example
in <input>.action.examples pass; answer bad input with ctx.error(400, "validation_failed", ...) rather than
letting it throw.`;

const REVIEW = `${contractText()}

Review the action modules in <input>.actions (each the file actions/<name>.js of the app in <input>.app) and
the shared modules in <input>.modules (each the file actions/<module>.js, imported by actions as ./<module>.js)
for bugs, contract violations and unsafe APIs. Report each finding with a severity (error blocks the release),
a rule id, the file (actions/<name>.js, or actions/<module>.js when the bug is in a shared module) and line,
and a message. Report nothing that is fine.`;

const REFINE = `${contractText()}

The action in <input>.action (its current code in <input>.action.code) failed the tests in <input>.failures
and/or has the blocking review findings in <input>.findings. Answer with the whole module again, fixed, as
plain JavaScript text (no Markdown fences); change nothing the failures do not need.
${REFINE_MODULES}`;

export const V2 = {
  spec: SPEC,
  architecture: ARCHITECTURE,
  tasks: TASKS,
  code: CODE,
  review: REVIEW,
  refine: REFINE,
} as const;
