import { NotFoundError } from "@aidevos/core";
import { providerName } from "@aidevos/llm";
import { OpenAPIHono } from "@hono/zod-openapi";
import { apps, contract, served } from "./apps";
import { bearerAuth } from "./auth";
import { bench } from "./bench";
import { limitBody } from "./body";
import { pages } from "./dashboard";
import { errorResponse, validationHook } from "./errors";
import { knowledge } from "./knowledge";
import { limits } from "./limits";
import { documentConfig, registerSecurity, secured } from "./openapi-document";
import { runs } from "./runs";

/** The gateway: the HTTP API, its OpenAPI document, and the deployed apps under /apps. */
export function createGateway() {
  const app = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });
  app.onError(errorResponse);
  app.notFound((c) => errorResponse(new NotFoundError(`route ${c.req.method} ${new URL(c.req.url).pathname}`), c));

  app.get("/healthz", (c) => c.json({ ok: true, provider: providerName(c.env) }));
  app.use("/v1/*", bearerAuth(), limitBody);
  app.route("/", runs);
  app.route("/", apps);
  app.route("/", knowledge);
  app.route("/", limits);
  // Before the app proxy: an app's contract is answered by the gateway (apps/contract.ts).
  app.route("/", contract);
  app.route("/", served);
  app.route("/", bench);
  app.route("/", pages);
  // The document of the routes registered above, for the origin the client used.
  registerSecurity(app.openAPIRegistry);
  app.get("/openapi.json", (c) => c.json(secured(app.getOpenAPI31Document(documentConfig(new URL(c.req.url).origin)))));
  return app;
}
