// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; they are optional.
interface Secrets {
  /** When set, every /v1/* call needs `Authorization: Bearer <token>`. */
  AIDEVOS_API_TOKEN?: string;
  /** When set (and AIDEVOS_PROVIDER is not "offline"), planning and codegen use Anthropic. */
  ANTHROPIC_API_KEY?: string;
  /** Key for OPENAI_BASE_URL, when that server wants one. */
  OPENAI_API_KEY?: string;
  /** Used only by AppControlDO, to ship apps through the Cloudflare API (Workers Scripts Write). */
  CLOUDFLARE_API_TOKEN?: string;
  /** Root of the keys that encrypt apps' secret values at rest (HKDF per app); see docs/appspec.md. */
  AIDEVOS_SECRETS_KEY?: string;
  /** A dispatch_namespaces binding, added to wrangler.toml when apps live in Workers for Platforms. */
  DISPATCHER?: DispatchNamespace;
}

declare global {
  interface Env extends Secrets {}
  namespace Cloudflare {
    interface Env extends Secrets {}
  }
}

export {};
