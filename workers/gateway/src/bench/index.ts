export { bare, isBare } from "./bare";
export { bench } from "./routes";
