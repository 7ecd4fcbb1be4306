export * from "./name-from-request";
export * from "./schema";
