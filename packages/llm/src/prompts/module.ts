import { contractText } from "./contract";

/**
 * The prompt of a shared module's code (AppSpec v3 `modules`): asked once per module a spec declares
 * without code, before the actions' code, so that every action's call sees the modules it may import.
 * Its own text, not a version of the action prompt: a module has no request and no examples of its own.
 */
const MODULE = `${contractText()}

Write the code of the one shared module in <input>.module for the app in <input>.app. Actions and other modules
import it as ./<input>.module.name.js; <input>.module.description says what it exports and does, and
<input>.importers lists the actions meant to import it, with what they do. Answer with the module's source only,
as plain JavaScript text (no Markdown fences): named exports (\`export function name(...)\`, \`export const ...\`).
A module runs in the same sandbox as actions and has no ctx of its own: a function that needs ctx, the request
or the signed-in user takes them as arguments. No global fetch, no require, no process, no imports but
./<module>.js of the app's other modules (in <input>.app.modules).

Before you answer, check each of these and fix the code if one fails:
1. Every export the description names is there, spelled as it says, with the arguments it says.
2. Every ctx member used (through an argument) is in the table above, spelled as there.
3. The answer is the module text alone: no fences, no commentary.`;

/**
 * What every version's refine prompt says about shared modules: a failing action's call is shown the
 * modules a model wrote that it imports, and may fix one there (the answer schema is RefinedCode).
 */
export const REFINE_MODULES = `When <input>.modules is there, it holds the code of the shared modules this action imports that a model
wrote. If a failure's cause is in one of them, fix it there: answer that module's whole fixed code in modules
([{ name, code }]) beside the action's code (the action's code as it was when it needs no change). Name only
modules you changed, and only modules in <input>.modules; a finding on actions/<module>.js is about that module.`;

/** The module prompt and its versioned name (a run's events say which text was sent). */
export function modulePrompt(): { version: string; text: string } {
  return { version: "module.v1", text: MODULE };
}
