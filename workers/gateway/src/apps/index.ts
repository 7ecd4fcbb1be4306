// Registers the secrets, keys and outbound routes on `apps` (access.ts).
import "./access";

export { contract } from "./contract";
export { apps, served } from "./handlers";
