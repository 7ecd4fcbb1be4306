export { appKeyRequired, bearerAuth, challengeOf } from "./bearer";
