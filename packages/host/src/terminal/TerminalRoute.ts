/**
 * The host's terminal: `GET /docker/containers/:env/shell` upgrades to a WebSocket and runs an
 * interactive shell in the env container (framing: `TerminalProtocol` of `@hakuriver/sdk`). It
 * sits next to the typed HostApi routes, behind the same bearer token, which it also accepts as
 * `?token=` for browsers.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { type HakuRiverConfig, parseEnvName, type TerminalSize, tokenMatches } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import { EnvManager } from "../env/EnvManager.js"
import { runSession } from "./ShellSession.js"

/** The route's path pattern. @category constants */
export const terminalRoute = "/docker/containers/:env/shell" as const

const refuse = (status: number, tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag: tag, message }, { status })

const first = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : value?.[0]

const sizeOf = (query: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>) => {
  const cols = Number(first(query["cols"]))
  const rows = Number(first(query["rows"]))
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= 10_000
  return ok(cols) && ok(rows) ? ({ cols, rows } satisfies TerminalSize) : undefined
}

/** The token the request presents: the bearer header, else `?token=`. */
const presentedToken = (
  request: HttpServerRequest.HttpServerRequest,
  query: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
): string => {
  const header = request.headers["authorization"] ?? ""
  const bearer = /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, "") : ""
  return bearer !== "" ? bearer : (first(query["token"]) ?? "")
}

/**
 * The terminal handler. Refusals are plain HTTP answers before the upgrade: 401 (token), 400
 * (env name), 404 (no container), 409 (container not running), 503 (Docker), 426 (not a
 * WebSocket request).
 * @category handlers
 */
export const terminalHandler = (token: string) =>
  Effect.gen(function* () {
    const envs = yield* EnvManager
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = yield* HttpServerRequest.ParsedSearchParams
    const params = yield* HttpRouter.params
    if (token !== "" && !tokenMatches(token, presentedToken(request, query)))
      return refuse(401, "Unauthorized", "missing or wrong bearer token")
    const env = parseEnvName(params["env"] ?? "")
    if (Either.isLeft(env)) return refuse(400, "BadRequest", env.left.message)
    if ((request.headers["upgrade"] ?? "").toLowerCase() !== "websocket")
      return refuse(426, "BadRequest", "this route is a WebSocket: connect with a WebSocket client")
    const found = yield* Effect.either(envs.runningContainer(env.right))
    if (Either.isLeft(found)) {
      const e = found.left
      const status = e._tag === "NotFound" ? 404 : e._tag === "Conflict" ? 409 : 503
      return refuse(status, e._tag, e.message)
    }
    const socket = yield* request.upgrade
    yield* runSession(found.right, socket, sizeOf(query)).pipe(
      Effect.tapError((e) => Effect.logWarning(`terminal session of "${env.right}" ended: ${e.message}`)),
      Effect.ignore
    )
    yield* Effect.logInfo(`terminal session of "${env.right}" closed`)
    return HttpServerResponse.empty()
  }).pipe(
    Effect.catchAll((e) =>
      Effect.succeed(refuse(400, "BadRequest", `cannot open the terminal: ${e.message}`))
    ),
    Effect.withSpan("Terminal.route")
  )

/**
 * Adds the terminal route to the HostApi router. Needs the {@link EnvManager}.
 * @category layers
 */
export const TerminalRouteLive = (
  config: Pick<HakuRiverConfig, "security">
): Layer.Layer<never, never, EnvManager> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const envs = yield* EnvManager
      yield* router.get(
        terminalRoute,
        Effect.provideService(terminalHandler(config.security.token), EnvManager, envs)
      )
    })
  )
