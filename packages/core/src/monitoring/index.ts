export * from "./routes";
export * from "./schedule-run-line";
export * from "./schema";
