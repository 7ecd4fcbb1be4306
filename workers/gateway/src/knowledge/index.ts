export { knowledge } from "./handlers";
