// Type-checking only: __aidevos_config.js is written per Worker by the sandbox (src/worker-code.ts, entryConfig).

declare const CONFIG: {
  /** Guard ticks per invocation (a request, an alarm, a frame, a test case). */
  budget: number;
  /** Where an uploaded app keeps its files in its APP_FILES bucket; null where a host holds them. */
  filesPrefix: string | null;
  /** The channel room quotas where the app is its own host. */
  roomMembers: number;
  framesPerSecond: number;
  /** The platform token: the env name of its secret and the header it arrives in (src/platform-token.ts). */
  platformTokenSecret: string;
  platformTokenHeader: string;
  /** MEMORY_RELOAD_HEADER (src/worker-code.ts). */
  reloadHeader: string;
};
export default CONFIG;
