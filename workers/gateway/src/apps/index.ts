// Registers the secrets, keys and outbound routes on `apps` (access.ts).
import "./access";

export { apps, served } from "./handlers";
