export { errorResponse, validationHook } from "./error-response";
