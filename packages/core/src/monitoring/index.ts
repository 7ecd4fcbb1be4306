export * from "./routes";
export * from "./schema";
