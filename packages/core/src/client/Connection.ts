/**
 * Where the client connects: the host's base URL and the bearer token. Explicit options win,
 * then `HAKURIVER_URL` / `HAKURIVER_TOKEN` (empty counts as unset), then the configuration file
 * (`host_reachable_address:host_port` and `[security] token`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { loadConfig } from "../config/load.js"
import type { HakuRiverConfig } from "../config/schema.js"
import { type HakuRiverFailure, hakuRiverError } from "./HakuRiverError.js"

/**
 * A resolved connection.
 * @category models
 */
export interface Connection {
  /** The host's base URL, e.g. `http://127.0.0.1:8000`. */
  readonly url: string
  /** The bearer token; empty when the cluster has none. */
  readonly token: string
}

/**
 * How to find the host. Every field is optional.
 * @category models
 */
export interface ConnectOptions {
  /** The host's base URL; overrides `HAKURIVER_URL` and the config. */
  readonly url?: string | undefined
  /** The bearer token; overrides `HAKURIVER_TOKEN` and the config. */
  readonly token?: string | undefined
  /** The config file to read (else `$HAKURIVER_CONFIG`, else `~/.hakuriver/config.toml`). */
  readonly configPath?: string | undefined
  /** The environment to read variables from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * The host URL a configuration describes: `http://host_reachable_address:host_port`.
 * @category constructors
 */
export const hostUrlOf = (config: HakuRiverConfig): string => {
  const address = config.network.host_reachable_address
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address
  return `http://${host}:${config.network.host_port}`
}

const normalizeUrl = (url: string): Effect.Effect<string, HakuRiverFailure> => {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`
  try {
    const parsed = new URL(withScheme)
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return Effect.fail(
        hakuRiverError("ConfigError", `host URL ${JSON.stringify(url)} must be http or https`)
      )
    }
    return Effect.succeed(parsed.href.replace(/\/+$/, ""))
  } catch {
    return Effect.fail(hakuRiverError("ConfigError", `host URL ${JSON.stringify(url)} is not a URL`))
  }
}

/**
 * Resolves the connection from explicit options, the environment and the configuration. The
 * config file is read only when the URL or the token is still unknown.
 * @category constructors
 */
export const resolveConnection = Effect.fn("HakuRiverClient.resolveConnection")(function* (
  options: ConnectOptions = {}
) {
  const env = options.env ?? process.env
  const explicitUrl = options.url ?? nonEmpty(env["HAKURIVER_URL"])
  const explicitToken = options.token ?? nonEmpty(env["HAKURIVER_TOKEN"])
  let url = explicitUrl
  let token = explicitToken
  if (url === undefined || token === undefined || options.configPath !== undefined) {
    const config = yield* loadConfig({ path: options.configPath, env }).pipe(
      Effect.mapError((e) => hakuRiverError("ConfigError", e.message))
    )
    url ??= hostUrlOf(config)
    token ??= config.security.token
  }
  return { url: yield* normalizeUrl(url), token } satisfies Connection
})

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === "" ? undefined : s)
