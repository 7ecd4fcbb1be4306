export { bearerAuth, challengeOf } from "./bearer";
