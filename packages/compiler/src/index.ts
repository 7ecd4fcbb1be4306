export { compileApp, declarativeSpecOf, sharedRuntime } from "./compile";
