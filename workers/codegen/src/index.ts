export { CodegenDO } from "./codegen-do";
