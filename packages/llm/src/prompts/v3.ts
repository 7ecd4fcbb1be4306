import { contractText } from "./contract";
import { REFINE_MODULES } from "./module";

/**
 * Version 3 of the spec, code and refine prompts: the same division of labour as v2, told the other
 * way round. Each prompt opens with a short worked example of what a good answer looks like, then
 * the task, then a self-check list the model must go through before it answers. The model updater
 * (workers/learning/src/model-updater.ts) chooses between v2 and v3 per stage by measured outcome, so
 * v3 earns its place only if runs it wrote pass first time more often, or as often for less.
 * Tasks v3 does not name (architecture, tasks, review) are asked with their v2 prompt.
 */

// ── Planning ─────────────────────────────────────────────────────────────────────────────────────
const SPEC_EXAMPLE = `Worked example. Request: "a tip jar: people leave a name and an amount in cents; show the total".
A good spec: entity tip (plural tips) with fields name (string, required, 1 to 80 characters) and cents
(integer, required, minimum 1); one action total, GET /total, description "Sums cents over every tip and
answers { total }", with examples [ POST /tips {"name":"Ada","cents":250} → 201, save {{id}};
POST /tips {"name":"Bo","cents":50} → 201; GET /total → 200 {"total":300}; POST /tips {"name":"","cents":0} → 400 ].
No counter (a sum is read, not kept), no rate limit (none was asked), no code in the action.`;

const SPEC = `${SPEC_EXAMPLE}

Now write the AppSpec for the feature request in <input> the same way: entities with typed fields and
constraints, counters, a rate limit only when asked, and an action for every behaviour the entity routes
cannot express. Each action has a camelCase name, a method, a path relative to the app's base, a description
saying exactly what it does and answers, and examples drawn from the request's acceptance criteria (method,
path, body, the expected status and json; save ids as {{vars}}; create the records an example needs in earlier
steps). Leave every action's code out: code generation writes it, one action at a time.
When the request has users who sign up or log in, add "accounts" (never hand-written password hashing or
tokens) and mark each entity whose records belong to one user "owner": "user" ("read": "public" when anyone
may read them); examples sign up, save the token and send it as "authorization": "Bearer {{token}}".
Code several actions share goes in "modules" ({ name, description }: what it exports, with the arguments),
imported as ./<name>.js; leave a module's code out, as an action's: code generation writes it first.
If <input> carries a spec, keep it and its code unless the request asks for a change. If <input> carries
currentSpec (the live app), start from it and change only what the request needs: keep its actions and their
code as they are, and leave out the code only of actions the request changes or adds. Keep the app's name.
If <input> carries workedExamples (specs of apps known to work), follow their shape where the request is alike.

Before you answer, check each of these and fix the spec if one fails:
1. Every noun the request stores is an entity or a field; every verb the entity routes cannot do is an action.
2. Every required field has the constraint the request implies (lengths, minimum, enum), and nothing more.
3. Every action has at least one example that succeeds and, when it takes input, one that answers 400.
4. Every example creates what it reads first, and its expected json is what the description says it answers.
5. Against currentSpec: no route, entity or field removed or renamed, no field newly required, no type
   changed, no constraint tightened unless the request asks for exactly that; new fields are optional or
   have a default. A breaking change fails the run.
6. No action or module has code, and nothing is in the spec that was not asked for.`;

// ── Code ─────────────────────────────────────────────────────────────────────────────────────────
const CODE_EXAMPLE = `Worked example. For an action total, GET /total, "Sums cents over every tip and answers { total }", on
an app with entity tips, a good module is:
export default async (request, ctx) => {
  let total = 0;
  let cursor;
  do {
    const page = await ctx.entities.tips.list({ limit: 100, cursor });
    for (const tip of page.items) total += tip.cents;
    cursor = page.nextCursor;
  } while (cursor);
  return { total };
};`;

const CODE = `${CODE_EXAMPLE}

${contractText()}

Now write the code of the one action in <input>.action for the app in <input>.app (its entities, counters and
the other actions' routes). Answer with the module's source only, as plain JavaScript text (no Markdown fences):
\`export default async (request, ctx) => { ... }\`.

Before you answer, check each of these and fix the code if one fails:
1. Every ctx member it uses is in the table above, spelled as there; it uses only the globals listed above
   (no global fetch, no require, no process, no imports but ./<module>.js of the app's modules).
2. Walk every step of <input>.action.examples through the code: each gets exactly the status and json expected.
3. Bad input answers ctx.error(400, "validation_failed", message, details) naming the field; nothing throws
   a plain Error for input the user got wrong; a missing record answers 404 (get(id) throws not_found).
4. Lists are read page by page (nextCursor) when the answer depends on every record.
5. The answer is the module text alone: one default export, no fences, no commentary.`;

const REFINE = `${contractText()}

The action in <input>.action (its current code in <input>.action.code) failed the tests in <input>.failures
and/or has the blocking review findings in <input>.findings. Answer with the whole module again, fixed, as
plain JavaScript text (no Markdown fences); change nothing the failures do not need.
${REFINE_MODULES}

Before you answer, check each of these:
1. For every failure, name to yourself the line that caused it (in the action or a module it imports), and
   change that line; an answer with the same code as before, the action's and its modules', fails the run.
2. Every ctx member used is in the table above; every step of <input>.action.examples still gets exactly the
   status and json expected.
3. Bad input answers ctx.error(400, "validation_failed", ...) rather than throwing.`;

export const V3 = { spec: SPEC, code: CODE, refine: REFINE } as const;
