export { contract } from "./contract";
export { apps, served } from "./handlers";
