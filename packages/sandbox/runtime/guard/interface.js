// The guard module's imports and exports. The other files of this folder are its body: guard.ts joins
// them, in its order, into the one module every loaded Worker imports first (`__aidevos_guard.js`),
// so they share one scope, as they do for the type check (tsconfig.json: each is a script).
// biome.json turns four rules off for this folder: noUnusedVariables (a name one file declares,
// another uses), useConst (a `let` one file declares, another assigns: its fix would make that
// assignment throw), useTemplate (the guard builds messages with +, whose conversion of an object
// differs from a template's: valueOf first) and useMathMinMax (the guard calls no Math method app
// code could replace after it ran).
// biome-ignore lint/correctness/noUnusedImports: budget.js uses it (the requests' store).
import { AsyncLocalStorage } from "node:async_hooks";

export {
  __aidevos_bounded,
  __aidevos_held,
  __aidevos_isSpent,
  __aidevos_keep,
  __aidevos_linear,
  __aidevos_memorySpent,
  __aidevos_outbound,
  __aidevos_platformCall,
  __aidevos_secretsSeen,
  __aidevos_specifier,
  __aidevos_str,
  __aidevos_tick,
  __aidevos_timedOut,
  __aidevos_within,
  SandboxLimitError,
};
