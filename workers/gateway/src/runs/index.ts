export { runs } from "./handlers";
