export * from "./safe-pattern";
export * from "./samples";
export * from "./schema";
