/**
 * A request that matches no route gets a JSON `NotFound` answer, like every other refusal of the
 * host and the runner, instead of the router's bare 404 without a body. A path segment that holds
 * a `/` (an environment name such as `a/b`) lands here too.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** Longest path quoted back in the message. */
const quotedPathChars = 200

/**
 * The message for a request that matches no route: method and path (never the query, which may
 * hold a token).
 * @category errors
 */
export const noRouteMessage = (method: string, url: string): string => {
  const path = url.split("?")[0] ?? ""
  const shown = path.length > quotedPathChars ? `${path.slice(0, quotedPathChars)}…` : path
  return `no route matches ${method} ${shown}`
}

/**
 * Middleware for a server built with `HttpApiBuilder`: a request that matches no route answers
 * 404 with `{ _tag: "NotFound", message }`.
 * @category layers
 */
export const routeNotFoundAsJson = HttpApiBuilder.middleware((app) =>
  Effect.catchAllCause(app, (cause) => {
    // the app's error type is `never`, yet the router fails with `RouteNotFound` at run time
    const failure: Option.Option<unknown> = Cause.failureOption(cause)
    return Option.isSome(failure) && failure.value instanceof HttpServerError.RouteNotFound
      ? HttpServerResponse.unsafeJson(
          {
            _tag: "NotFound",
            message: noRouteMessage(failure.value.request.method, failure.value.request.url)
          },
          { status: 404 }
        )
      : Effect.failCause(cause)
  })
)
