export * from "./diff";
export * from "./document";
export * from "./routes";
