export { TestingDO } from "./testing-do";
