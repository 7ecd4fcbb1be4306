/** Generated code the sandbox cannot accept: it does not parse, or breaks a rule before it runs. */
export class SandboxCodeError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}:${column ?? 0}: ${message}`);
    this.name = "SandboxCodeError";
  }
}
