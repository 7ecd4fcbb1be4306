/** Runs last in the guard: everything on globalThis by then is the platform's or the guard's own. */
ownGlobals = new NativeSet(ownKeys(globalThis));
