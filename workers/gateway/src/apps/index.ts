// Registers the secrets, keys and outbound routes on `apps` (access.ts).
import "./access";
// The accounts management API (users.ts).
import "./users";

export { contract } from "./contract";
export { apps, served } from "./handlers";
