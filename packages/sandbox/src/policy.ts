import type { GeneratedFile, ReviewFinding } from "@aidevos/core";
import type { Node } from "acorn";
import { ancestor } from "acorn-walk";
import type { SandboxCodeError } from "./errors";
import { parseModule } from "./instrument";

const SECRET_PATTERNS: [rule: string, pattern: RegExp][] = [
  ["secret-anthropic-key", /sk-ant-[A-Za-z0-9_-]{16,}/],
  ["secret-aws-key", /AKIA[0-9A-Z]{16}/],
  ["secret-private-key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["secret-assignment", /\b(?:api_?key|secret|token|password|passwd)\w*\s*[:=]\s*["'`][A-Za-z0-9_+/=-]{16,}["'`]/i],
];

type AnyNode = Node & Record<string, any>;

function calleeName(node: AnyNode): string | null {
  const callee = node.callee as AnyNode;
  if (callee.type === "Identifier") return callee.name;
  if (callee.type === "MemberExpression" && !callee.computed && callee.object.type === "Identifier") {
    return `${callee.object.name}.${callee.property.name}`;
  }
  return null;
}

const FORBIDDEN_CALLS: Record<string, { rule: string; message: string }> = {
  eval: { rule: "forbidden-eval", message: "eval() runs code that was never reviewed or instrumented" },
  Function: { rule: "forbidden-function-constructor", message: "the Function constructor builds code from strings" },
  fetch: { rule: "network-fetch", message: "fetch(): generated apps have no network access" },
  "globalThis.fetch": { rule: "network-fetch", message: "fetch(): generated apps have no network access" },
  "self.fetch": { rule: "network-fetch", message: "fetch(): generated apps have no network access" },
  connect: { rule: "network-connect", message: "connect(): generated apps have no network access" },
  "WebAssembly.compile": { rule: "forbidden-wasm", message: "compiling WebAssembly at run time is not allowed" },
  "WebAssembly.instantiate": { rule: "forbidden-wasm", message: "compiling WebAssembly at run time is not allowed" },
  "WebAssembly.Module": { rule: "forbidden-wasm", message: "compiling WebAssembly at run time is not allowed" },
};

/**
 * The static policy every generated file must pass before it is tested or deployed: no code from
 * strings, no network, nothing that reaches into the sandbox's own guard, no secrets in source.
 */
export function scanSource(files: readonly GeneratedFile[]): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const file of files) {
    const add = (rule: string, message: string, line?: number) =>
      findings.push({ severity: "error", rule, file: file.path, line, message });
    file.content.split("\n").forEach((text, i) => {
      for (const [rule, pattern] of SECRET_PATTERNS) {
        if (pattern.test(text)) add(rule, "a credential is written in the source; secrets belong in bindings", i + 1);
      }
    });
    let ast: Node;
    try {
      ast = parseModule(file.content, file.path);
    } catch (err) {
      const e = err as SandboxCodeError;
      add("syntax-error", e.message, e.line);
      continue;
    }
    const line = (node: Node) => node.loc?.start.line;
    const importRule = (node: AnyNode) => {
      const name = node.source?.value;
      if (typeof name !== "string" || name.startsWith("./") || name.startsWith("../") || name === "cloudflare:workers")
        return;
      add(
        "forbidden-import",
        `import of "${name}": generated code imports only its bundle's modules and cloudflare:workers`,
        line(node),
      );
    };
    ancestor(ast, {
      CallExpression(node) {
        const hit = FORBIDDEN_CALLS[calleeName(node as AnyNode) ?? ""];
        if (hit) add(hit.rule, hit.message, line(node));
      },
      NewExpression(node) {
        const hit = FORBIDDEN_CALLS[calleeName(node as AnyNode) ?? ""];
        if (hit) add(hit.rule, hit.message, line(node));
      },
      ImportDeclaration(node) {
        importRule(node as AnyNode);
      },
      ExportAllDeclaration(node) {
        importRule(node as AnyNode);
      },
      ExportNamedDeclaration(node) {
        importRule(node as AnyNode);
      },
      ImportExpression(node) {
        add("forbidden-dynamic-import", "dynamic import() loads code the sandbox did not instrument", line(node));
      },
      Identifier(node) {
        if ((node as AnyNode).name.startsWith("__aidevos")) {
          add("reserved-identifier", "names starting with __aidevos belong to the sandbox", line(node));
        }
      },
      Literal(node) {
        const value = (node as AnyNode).value;
        if (typeof value === "string" && value.includes("__aidevos")) {
          add("reserved-identifier", "names starting with __aidevos belong to the sandbox", line(node));
        }
      },
    });
  }
  return findings;
}
