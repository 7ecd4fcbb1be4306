/** An acorn AST node, read loosely: only `type` is certain. */
// biome-ignore lint/suspicious/noExplicitAny: a walker over any node shape reads fields it checks for itself.
export type AnyNode = { type: string; [key: string]: any };

/** One import of a piece of code: its specifier (a computed one named as such), and whether it is `import()`. */
export interface ImportOf {
  specifier: string;
  dynamic: boolean;
}

/**
 * Every module a program imports or re-exports, static and dynamic, in source order. One walker
 * serves the actions check (what action code may import) and the modules check (which modules exist
 * and whether they form a cycle), so both see the same imports.
 */
export function importsIn(program: AnyNode): ImportOf[] {
  const found: ImportOf[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (!node || typeof node !== "object") return;
    const n = node as AnyNode;
    if (
      (n.type === "ImportDeclaration" || n.type === "ExportNamedDeclaration" || n.type === "ExportAllDeclaration") &&
      n.source
    )
      found.push({ specifier: String(n.source.value), dynamic: false });
    if (n.type === "ImportExpression")
      found.push({
        specifier: n.source?.type === "Literal" ? String(n.source.value) : "(a computed specifier)",
        dynamic: true,
      });
    for (const [key, value] of Object.entries(n)) if (key !== "type" && typeof value === "object") visit(value);
  };
  visit(program.body);
  return found;
}
