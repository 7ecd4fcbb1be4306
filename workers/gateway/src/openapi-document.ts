import { OpenAPIHono } from "@hono/zod-openapi";
import * as accessRoutes from "./apps/access-routes";
import * as appRoutes from "./apps/routes";
import * as userRoutes from "./apps/users-routes";
import * as knowledgeRoutes from "./knowledge/routes";
import * as limitsRoutes from "./limits/routes";
import * as runRoutes from "./runs/routes";

type Registry = OpenAPIHono["openAPIRegistry"];
type Route = Parameters<Registry["registerPath"]>[0] & { middleware?: unknown; hide?: boolean };
type Document = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

const SECURED_PREFIX = "/v1/";

/**
 * Every documented route, from the route modules alone (no handlers, no bindings), so the document
 * can be built outside workerd too: the OpenAPI lint runs on it in Node. A test checks that the
 * gateway serves exactly this document.
 */
const DOCUMENTED_ROUTES: Route[] = [
  runRoutes,
  appRoutes,
  accessRoutes,
  userRoutes,
  knowledgeRoutes,
  limitsRoutes,
].flatMap((module) =>
  Object.values(module).filter((r): r is Route => typeof r === "object" && r !== null && "method" in r && "path" in r),
);

/** The bearer scheme of `/v1/*` (workers/gateway/src/auth). */
export function registerSecurity(registry: Registry): void {
  registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description:
      "`Authorization: Bearer <AIDEVOS_API_TOKEN>`. Required on /v1/* whenever the AIDEVOS_API_TOKEN secret is set; a 401 carries `WWW-Authenticate: Bearer`.",
  });
}

/** The document's top level, for a gateway reached at `origin`. */
export function documentConfig(origin: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "AIDevOS API",
      version: "1.0.0",
      description: "Describe a feature; AIDevOS plans, generates, tests and deploys it as a Durable Object app.",
    },
    servers: [{ url: origin, description: "this gateway" }],
  };
}

/** The finished document: every `/v1/*` operation requires the bearer scheme. */
export function secured(document: Document): Document {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith(SECURED_PREFIX)) continue;
    for (const method of ["get", "put", "post", "delete", "patch"] as const) {
      const operation = item[method];
      if (operation) operation.security = [{ bearerAuth: [] }];
    }
  }
  return document;
}

/** The OpenAPI document of the gateway at `origin`, built from DOCUMENTED_ROUTES as `app.openapi` registers them. */
export function apiDocument(origin: string): Document {
  const app = new OpenAPIHono();
  registerSecurity(app.openAPIRegistry);
  for (const { middleware: _middleware, hide, ...route } of DOCUMENTED_ROUTES)
    if (!hide) app.openAPIRegistry.registerPath(route);
  return secured(app.getOpenAPI31Document(documentConfig(origin)));
}
