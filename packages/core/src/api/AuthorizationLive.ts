/**
 * The server side of the `Authorization` middleware: bearer-token checking shared by the host and
 * the runner.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { createHash, timingSafeEqual } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Unauthorized } from "./errors.js"
import { Authorization } from "./security.js"

/** Hashing both sides first gives equal-length buffers, so the compare leaks no length. */
const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest()

/**
 * Whether `presented` equals `expected`, compared in constant time.
 * @category security
 */
export const tokenMatches = (expected: string, presented: string): boolean =>
  timingSafeEqual(digest(expected), digest(presented))

const bearerPrefix = /^bearer\s+/i

/**
 * The `?token=` of a WebSocket upgrade or an `EventSource` request: browsers cannot set headers
 * on those (the terminal, the dashboard feed), so they may carry the token in the query. Other
 * requests must use the header.
 */
const queryToken = (request: HttpServerRequest.HttpServerRequest): string => {
  const websocket = (request.headers["upgrade"] ?? "").toLowerCase() === "websocket"
  const eventStream = (request.headers["accept"] ?? "").includes("text/event-stream")
  if (request.method !== "GET" || !(websocket || eventStream)) return ""
  const at = request.url.indexOf("?")
  return at < 0 ? "" : (new URLSearchParams(request.url.slice(at + 1)).get("token") ?? "")
}

/**
 * Implements `Authorization` with a shared bearer token. An empty token allows every request;
 * otherwise the request needs `Authorization: Bearer TOKEN` (or, for a WebSocket upgrade or an
 * `EventSource` GET, `?token=TOKEN`) with exactly that token, or it is refused with
 * `Unauthorized` (401).
 *
 * @category layers
 * @example
 * HttpApiBuilder.api(HostApi).pipe(Layer.provide(authorizationLayer(config.security.token)))
 */
export const authorizationLayer = (token: string): Layer.Layer<Authorization> =>
  Layer.succeed(
    Authorization,
    Authorization.of({
      bearer: () =>
        token === ""
          ? Effect.void
          : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
              const header = request.headers.authorization ?? ""
              const bearer = bearerPrefix.test(header) ? header.replace(bearerPrefix, "") : ""
              const presented = bearer !== "" ? bearer : queryToken(request)
              return presented !== "" && tokenMatches(token, presented)
                ? Effect.void
                : Effect.fail(new Unauthorized({ message: "missing or wrong bearer token" }))
            })
    })
  )
