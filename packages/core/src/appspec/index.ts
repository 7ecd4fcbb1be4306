export * from "./access";
export * from "./actions";
export * from "./examples";
export * from "./safe-pattern";
export * from "./samples";
export * from "./schema";
