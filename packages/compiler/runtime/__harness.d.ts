// Type-checking only: the sandbox supplies __harness.js to generated unit tests (packages/sandbox/src/harness.ts).
export declare function describe(name: string, body: () => void): void;
export declare function it(name: string, body: () => void | Promise<void>): void;
export declare function expect(actual: unknown): {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toContain(expected: unknown): void;
  toBeNull(): void;
  toThrow(message?: string): void;
};
