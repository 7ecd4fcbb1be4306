// Type-checking only: what the guard module (runtime/guard/, joined by src/guard.ts) exports to our entries.

interface Probe {
  tripped(): { kind: string; message: string } | null;
}
export declare function __aidevos_within<T>(budget: number, body: (probe: Probe) => T): T;
export declare function __aidevos_bounded<T>(work: () => T): Promise<Awaited<T> | typeof __aidevos_timedOut>;
export declare const __aidevos_timedOut: object;
export declare function __aidevos_outbound(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
export declare function __aidevos_platformCall(request: Request, token: unknown): Promise<boolean>;
export declare function __aidevos_memorySpent(): Promise<0 | 1 | 2>;
export declare function __aidevos_isSpent(): boolean;
export declare function __aidevos_secretsSeen(secrets: Record<string, unknown>): void;
