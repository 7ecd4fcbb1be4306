import { type Node, type Options, parse } from "acorn";
import { type SimpleVisitors, simple } from "acorn-walk";
import { SandboxCodeError } from "./errors";
import { guardImportPath, HELD, IMPORT_CHECK, KEEP, STR, TICK } from "./guard";

const PARSE_OPTIONS: Options = { ecmaVersion: "latest", sourceType: "module", locations: true };

interface Edit {
  at: number;
  text: string;
  /** Among edits at one position: -1 before the others, 1 after (a wrapper inside what starts or ends there). */
  rank?: number;
}

type WithBody = Node & { body: Node & { type: string; start: number; end: number } };
type WithSource = Node & { source?: (Node & { value?: unknown }) | null };

/** What a generated module may import statically: its bundle's own modules and the Workers runtime API. */
const ALLOWED_BUILTINS = new Set(["cloudflare:workers"]);

/**
 * What a module may take from cloudflare:workers: the classes it extends. Never `env` or `exports`
 * (the loaded Worker's bindings, including the platform's entrypoint), nor the whole namespace.
 */
const RUNTIME_CLASSES = new Set(["DurableObject", "WorkerEntrypoint", "RpcTarget"]);

type WithSpecifiers = Node & { specifiers?: (Node & { type: string; imported?: { name?: string; value?: string } })[] };

function takesOnlyClasses(node: Node): boolean {
  if (node.type !== "ImportDeclaration") return false;
  return ((node as WithSpecifiers).specifiers ?? []).every(
    (s) => s.type === "ImportSpecifier" && RUNTIME_CLASSES.has(s.imported?.name ?? s.imported?.value ?? ""),
  );
}

function checkImport(node: Node, file: string): void {
  const source = (node as WithSource).source;
  if (!source) return;
  const name = String(source.value);
  const own = name.startsWith("./") || name.startsWith("../");
  if (ALLOWED_BUILTINS.has(name) && !takesOnlyClasses(node)) {
    const at = source.loc?.start;
    throw new SandboxCodeError(
      `${name} is imported for ${[...RUNTIME_CLASSES].join(", ")} only: its env and exports are the platform's`,
      file,
      at?.line,
      at?.column,
    );
  }
  if (name.includes("__aidevos") || (!own && !ALLOWED_BUILTINS.has(name))) {
    const at = source.loc?.start;
    throw new SandboxCodeError(
      `import of ${JSON.stringify(name)} is refused: generated code imports only its bundle's own modules and cloudflare:workers`,
      file,
      at?.line,
      at?.column,
    );
  }
}

type Pattern = Node & {
  name?: string;
  properties?: (Node & { value?: Pattern; argument?: Pattern })[];
  elements?: (Pattern | null)[];
  left?: Pattern;
  argument?: Pattern;
};

/** The names a declaration pattern binds (`a`, `{ b, c: [d] }`, `...e`). */
function boundNames(pattern: Pattern | null | undefined, into: string[]): void {
  if (!pattern) return;
  switch (pattern.type) {
    case "Identifier":
      into.push(pattern.name!);
      break;
    case "ObjectPattern":
      for (const p of pattern.properties ?? []) boundNames(p.type === "RestElement" ? p.argument : p.value, into);
      break;
    case "ArrayPattern":
      for (const e of pattern.elements ?? []) boundNames(e, into);
      break;
    case "AssignmentPattern":
      boundNames(pattern.left, into);
      break;
    case "RestElement":
      boundNames(pattern.argument, into);
      break;
  }
}

type Statement = Node & {
  declarations?: { id: Pattern }[];
  kind?: string;
  id?: { name: string } | null;
  declaration?: Statement | null;
};

/**
 * The module's own bindings, for the memory walk: every name declared at module level (`let`/`var`
 * ones also cleared when the isolate is spent) and the default export's value when no name holds it.
 */
function moduleRoots(ast: Node, edits: Edit[], appCode: boolean): string {
  const names: string[] = [];
  const reassignable: string[] = [];
  for (const raw of (ast as Node & { body: Statement[] }).body) {
    const statement = raw.type === "ExportNamedDeclaration" ? raw.declaration : raw;
    if (!statement) continue;
    if (statement.type === "VariableDeclaration") {
      const bound: string[] = [];
      for (const d of statement.declarations ?? []) boundNames(d.id, bound);
      names.push(...bound);
      if (statement.kind !== "const") reassignable.push(...bound);
    } else if (statement.type === "FunctionDeclaration" || statement.type === "ClassDeclaration") {
      if (statement.id) names.push(statement.id.name);
    } else if (statement.type === "ExportDefaultDeclaration") {
      const value = statement.declaration!;
      if (value.type === "FunctionDeclaration" || value.type === "ClassDeclaration") {
        if (value.id) names.push(value.id.name);
      } else {
        edits.push({ at: value.start, text: `${KEEP}(` }, { at: value.end, text: ")" });
      }
    }
  }
  if (names.length === 0) return "";
  // clear(true) unsets every binding (a spent isolate); clear(false) only drops long strings (a reset in place).
  const clear = reassignable
    .map((n) => `${n} = all ? void 0 : typeof ${n} === "string" && ${n}.length > 1024 ? "" : ${n};`)
    .join(" ");
  // Registered first (on the import's line, so line numbers stay true): read only after the module ran.
  return `${HELD}(() => [${names.join(", ")}], (all) => { ${clear} }, ${appCode});`;
}

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
 * Refuses imports of anything but the bundle's own modules and cloudflare:workers (no
 * cloudflare:sockets, no sandbox internals), and wraps dynamic import() in a run-time check.
 * Text is only inserted, never moved, so the program means what it meant; the guard import is put
 * on the first line so line numbers in errors stay true. `appCode`: the module is the app's own code
 * (not the platform's runtime), whose module-level state an isolate over its memory budget resets.
 */
export function instrumentModule(source: string, file: string, appCode = false): string {
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
  // A tagged template's literal is the tag's argument, not a string: it is not wrapped.
  const tagged = new Set<Node>();
  simple(ast, { TaggedTemplateExpression: (node) => tagged.add((node as Node & { quasi: Node }).quasi) });
  const wrap = (node: Node) => {
    edits.push({ at: node.start, text: `${STR}(`, rank: 1 }, { at: node.end, text: ")", rank: -1 });
  };
  const reserved = (name: string, node: Node) => {
    if (name.startsWith("__aidevos")) {
      const at = node.loc?.start;
      throw new SandboxCodeError("names starting with __aidevos belong to the sandbox", file, at?.line, at?.column);
    }
  };
  const visitors: Record<string, (node: Node) => void> = {
    ImportDeclaration: (node) => checkImport(node, file),
    ExportAllDeclaration: (node) => checkImport(node, file),
    ExportNamedDeclaration: (node) => checkImport(node, file),
    // import(x) becomes import(__aidevos_specifier(x)): the specifier is checked when it is known.
    ImportExpression: (node) => {
      const source = (node as Node & { source: Node }).source;
      edits.push({ at: source.start, text: `${IMPORT_CHECK}(` });
      edits.push({ at: source.end, text: ")" });
    },
    Identifier: (node) => reserved((node as Node & { name: string }).name, node),
    VariablePattern: (node) => reserved((node as Node & { name: string }).name, node),
    ForStatement: loop,
    ForInStatement: loop,
    ForOfStatement: loop,
    WhileStatement: loop,
    DoWhileStatement: loop,
    FunctionDeclaration: fn,
    FunctionExpression: fn,
    ArrowFunctionExpression: fn,
    // V8 joins strings as ropes, in no time whatever their length: each + and template is checked.
    BinaryExpression: (node) => {
      if ((node as Node & { operator: string }).operator === "+") wrap(node);
    },
    AssignmentExpression: (node) => {
      if ((node as Node & { operator: string }).operator === "+=") wrap(node);
    },
    TemplateLiteral: (node) => {
      if ((node as Node & { expressions: Node[] }).expressions.length > 0 && !tagged.has(node)) wrap(node);
    },
  };
  // VariablePattern (a declared name) is a walker pseudo-type the typings do not list.
  simple(ast, visitors as SimpleVisitors<unknown>);
  const roots = moduleRoots(ast, edits, appCode);
  // One pass in source order (a large module has tens of thousands of edits); equal positions keep
  // the order they were made in, as inserting them one by one from the end would.
  const ordered = edits
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => a.at - b.at || (a.rank ?? 0) - (b.rank ?? 0) || a.i - b.i);
  const parts: string[] = [];
  let from = 0;
  for (const e of ordered) {
    parts.push(source.slice(from, e.at), e.text);
    from = e.at;
  }
  parts.push(source.slice(from));
  return `import { ${TICK}, ${IMPORT_CHECK}, ${HELD}, ${KEEP}, ${STR} } from "${guardImportPath(file)}";${roots}${parts.join("")}`;
}
