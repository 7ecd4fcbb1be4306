export { bench } from "./routes";
