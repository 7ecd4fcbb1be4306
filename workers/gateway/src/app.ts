import { NotFoundError } from "@aidevos/core";
import { providerName } from "@aidevos/llm";
import { OpenAPIHono } from "@hono/zod-openapi";
import { apps, served } from "./apps";
import { bearerAuth } from "./auth";
import { bench } from "./bench";
import { limitBody } from "./body";
import { pages } from "./dashboard";
import { errorResponse, validationHook } from "./errors";
import { knowledge } from "./knowledge";
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
  app.route("/", served);
  app.route("/", bench);
  app.route("/", pages);
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "AIDevOS API",
      version: "1.0.0",
      description: "Describe a feature; AIDevOS plans, generates, tests and deploys it as a Durable Object app.",
    },
  });
  return app;
}
