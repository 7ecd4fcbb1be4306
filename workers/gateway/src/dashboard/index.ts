import { Hono } from "hono";
import apiDocs from "./api-docs.html";
import dashboard from "./dashboard.html";

/**
 * The dashboard at `/` and the API docs at `/docs`: static pages with no build step, which call
 * the same API as everyone else (sending the API token when the user gives one).
 */
export const pages = new Hono<{ Bindings: Env }>();

const html = (body: string) =>
  new Response(body, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy":
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
    },
  });

pages.get("/", () => html(dashboard));
pages.get("/docs", () => html(apiDocs));

/** The docs page renders the `openapi.json` beside it: the gateway's at `/docs`, an app's at `/apps/{name}/docs`. */
export const docsPage = () => html(apiDocs);
