export { RunDO, type StartRunInput, type StartRunResult } from "./run-do";

/** The stub of one run's ledger, by its id (the Durable Object id as hex). Null for ids that cannot be runs. */
export function runOf(env: Env, id: string): DurableObjectStub<import("./run-do").RunDO> | null {
  if (!/^[0-9a-f]{64}$/.test(id)) return null;
  try {
    return env.RUNS.get(env.RUNS.idFromString(id)) as DurableObjectStub<import("./run-do").RunDO>;
  } catch {
    return null;
  }
}
