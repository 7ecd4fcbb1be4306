export { appKeyRequired, bearerAuth, challengeOf } from "./bearer";
export { appRequestHeaders } from "./operator-token";
