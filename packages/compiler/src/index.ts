export { compileApp } from "./compile";
