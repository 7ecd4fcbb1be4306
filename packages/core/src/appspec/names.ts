/**
 * Names every plain object already has (`__proto__`, `constructor`, `toString`, …). A spec name used
 * as a key would not survive (`__proto__` vanished from the deployed spec) or would read an
 * inherited value where the runtime looks a name up, so the schema refuses them everywhere.
 */
const OBJECT_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), "prototype"]);

export const isObjectName = (name: string) => OBJECT_NAMES.has(name);

export const OBJECT_NAME_MESSAGE =
  "is a name every JavaScript object has (like __proto__ or constructor); choose another";
