export * from "./samples";
export * from "./schema";
