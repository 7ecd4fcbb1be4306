/**
 * Version 1 of the pipeline's prompts: one per structured task. A changed prompt is a new version
 * file, so a run's events can say which prompts produced its code.
 */
export const V1 = {
  spec: `Write the AppSpec v1 (docs/appspec.md) for the feature request in <input>. If <input> carries a spec,
keep it unless the request asks for a change; if it names an existing app, keep that name. Prefer the smallest
spec that does what was asked: entities with typed fields and constraints, counters, a rate limit only when asked.
When <input>.currentSpec is the live app's spec (feedback and fix runs), its clients depend on it: never remove or
rename a route, entity or field, make a field required, change a type or tighten a constraint unless the request
asks for exactly that; add new fields as optional (or with a default). A breaking change fails the run.`,
  architecture: `Design the Durable Object app for the AppSpec in <input>: the class, its partition, every HTTP route
of the contract, the SQLite tables and the bindings it needs (none beyond its own storage).`,
  tasks: `Break the architecture in <input> into coding tasks, one per file to write, each saying what the file does.`,
  code: `Write the files of the plan in <input> as ES modules for a Durable Object app named App, exported from
index.js, honouring the HTTP contract of docs/appspec.md exactly, plus unit tests (model.test.js) that import
{ describe, it, expect } from "./__harness.js". No network calls, no eval, no dynamic import, no secrets.`,
  review: `Review the code in <input> for bugs, contract violations and unsafe APIs. Report each finding with a
severity (error blocks the release), a rule id, the file and line, and a message.`,
  refine: `The code in <input>.previous failed the tests in <input>.failures and/or has the blocking review findings
in <input>.findings. Return the whole bundle again with those fixed and nothing else changed.`,
} as const;
