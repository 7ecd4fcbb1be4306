import { type Node, type Options, parse } from "acorn";
import { simple } from "acorn-walk";
import { SandboxCodeError } from "./errors";
import { guardImportPath, TICK } from "./guard";

const PARSE_OPTIONS: Options = { ecmaVersion: "latest", sourceType: "module", locations: true };

interface Edit {
  at: number;
  text: string;
}

type WithBody = Node & { body: Node & { type: string; start: number; end: number } };

export function parseModule(source: string, file: string): Node {
  try {
    return parse(source, PARSE_OPTIONS);
  } catch (err) {
    const e = err as SyntaxError & { loc?: { line: number; column: number } };
    throw new SandboxCodeError(e.message.replace(/ \(\d+:\d+\)$/, ""), file, e.loc?.line, e.loc?.column);
  }
}

/**
 * Inserts a guard tick at the top of every loop body and every function body, so that code which
 * spins, loops forever or recurses without end is stopped by the guard instead of pinning workerd.
 * Text is only inserted, never moved, so the program means what it meant; the guard import is put
 * on the first line so line numbers in errors stay true.
 */
export function instrumentModule(source: string, file: string): string {
  const ast = parseModule(source, file);
  const edits: Edit[] = [];
  const tick = `${TICK}();`;
  const guardBlock = (node: WithBody) => {
    const body = node.body;
    if (body.type === "BlockStatement") edits.push({ at: body.start + 1, text: tick });
    else {
      edits.push({ at: body.start, text: `{${tick}` });
      edits.push({ at: body.end, text: "}" });
    }
  };
  const loop = (node: Node) => guardBlock(node as WithBody);
  const fn = (node: Node) => {
    const f = node as WithBody & { expression?: boolean };
    if (f.body.type === "BlockStatement") edits.push({ at: f.body.start + 1, text: tick });
    else {
      // Expression-bodied arrow: keep it an expression.
      edits.push({ at: f.body.start, text: `(${TICK}(), ` });
      edits.push({ at: f.body.end, text: ")" });
    }
  };
  simple(ast, {
    ForStatement: loop,
    ForInStatement: loop,
    ForOfStatement: loop,
    WhileStatement: loop,
    DoWhileStatement: loop,
    FunctionDeclaration: fn,
    FunctionExpression: fn,
    ArrowFunctionExpression: fn,
  });
  // Apply from the end so earlier positions stay valid; equal positions keep their relative order.
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.at - a.at || b.i - a.i);
  let out = source;
  for (const e of ordered) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return `import { ${TICK} } from "${guardImportPath(file)}";${out}`;
}
