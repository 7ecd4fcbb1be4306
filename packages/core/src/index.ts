export * from "./app";
export * from "./appspec";
export * from "./artifacts";
export * from "./cursor";
export * from "./errors";
export * from "./knowledge";
export * from "./monitoring";
export * from "./run";
