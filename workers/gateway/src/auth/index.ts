export { BearerChallenge, bearerAuth, challengeOf } from "./bearer";
