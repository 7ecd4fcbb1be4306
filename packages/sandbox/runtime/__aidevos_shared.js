/**
 * The shared runtime's class: each instance serves the app whose spec the host gave it (as
 * `props.spec`), and every call into it (constructor, fetch, alarm, any other method) runs with that
 * spec as the runtime's SPEC. Instances of many apps live in one isolate; none sees another's spec.
 * The shared runtime's entry (worker-code.ts, appEntry) calls this once, with the guarded class and
 * its spec module's two functions (shared-spec.js), after every module has loaded.
 */
export function sharedClass(Guarded, inSpec, loaded) {
  loaded();
  const specs = new WeakMap();

  function specOf(props) {
    const spec = props === null || typeof props !== "object" ? undefined : props.spec;
    if (spec === null || typeof spec !== "object" || !Array.isArray(spec.entities))
      throw new TypeError("sandbox: the shared runtime serves an app only with its spec (props.spec)");
    for (const part of ["actions", "schedules", "channels", "outbound"])
      if (Array.isArray(spec[part]) && spec[part].length > 0)
        throw new TypeError(`sandbox: an app with ${part} runs in an isolate of its own, not in the shared runtime`);
    return spec;
  }

  class Shared extends Guarded {
    // super() is called from the arrow, with the app's spec (valid JavaScript), which TypeScript's
    // check of derived constructors does not follow.
    // @ts-expect-error TS2377
    // biome-ignore lint/correctness/noUnreachableSuper: super() runs in inSpec's arrow, before `this` is used.
    constructor(ctx, env) {
      const spec = specOf(ctx.props);
      inSpec(spec, () => {
        // @ts-expect-error TS2337
        super(ctx, env);
      });
      // @ts-expect-error TS17009
      specs.set(this, spec);
    }
  }

  for (
    let proto = Guarded.prototype;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (name === "constructor" || typeof d.value !== "function" || Object.hasOwn(Shared.prototype, name)) continue;
      const method = d.value;
      Object.defineProperty(Shared.prototype, name, {
        ...d,
        value: function (...args) {
          return inSpec(specs.get(this), () => method.apply(this, args));
        },
      });
    }
  }
  return Shared;
}
