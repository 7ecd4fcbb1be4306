export { jsonDepthExceeds, MAX_JSON_DEPTH, protoKeyPath } from "./depth";
