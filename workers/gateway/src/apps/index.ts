export { apps, served } from "./handlers";
