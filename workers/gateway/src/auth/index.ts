export { bearerAuth } from "./bearer";
