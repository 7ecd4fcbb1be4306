export { apps, served } from "./handlers";
export { contract } from "./contract";
