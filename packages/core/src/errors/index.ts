export * from "./envelope";
export * from "./errors";
export * from "./model";
export * from "./quota";
