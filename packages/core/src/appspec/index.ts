export * from "./actions";
export * from "./examples";
export * from "./samples";
export * from "./schema";
