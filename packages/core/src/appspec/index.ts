export * from "./access";
export * from "./accounts";
export * from "./actions";
export * from "./examples";
export * from "./realtime";
export * from "./safe-pattern";
export * from "./samples";
export * from "./schema";
