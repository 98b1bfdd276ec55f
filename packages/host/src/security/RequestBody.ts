/**
 * Request bodies checked before any handler sees them: at most 1 MiB (413 otherwise) and, when
 * sent as JSON, valid JSON (400 with the parser's message otherwise). Both answers are JSON with
 * a `message`, like every other refusal of the host.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * The largest request body the host accepts (1 MiB): a task spec is a few kilobytes.
 * @category security
 */
export const maxBodyBytes = 1024 * 1024

const refuse = (status: number, tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag: tag, message }, { status })

const hasBody = (method: string) => method === "POST" || method === "PUT" || method === "PATCH"

/** The JSON parser's complaint about `text`, or undefined when it parses. */
const jsonProblem = (text: string): string | undefined => {
  try {
    JSON.parse(text)
    return undefined
  } catch (cause) {
    return cause instanceof Error ? cause.message : String(cause)
  }
}

/**
 * Middleware for every route of the server: a declared `content-length` over `limit` answers 413
 * before the body is read; a longer body without a length fails the read (413); a JSON body that
 * does not parse answers 400. The body read here is cached, so handlers read it again for free.
 * Every request passes through it, heartbeats included, so it is a plain chain of effects that
 * builds a refusal only when it refuses.
 * @category layers
 */
export const layer = (limit: number = maxBodyBytes) => {
  const tooLarge = () => refuse(413, "PayloadTooLarge", `request body larger than ${limit} bytes`)
  return HttpApiBuilder.middleware((app) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const declared = Number(request.headers["content-length"] ?? "0")
      if (Number.isFinite(declared) && declared > limit) return Effect.succeed(tooLarge())
      const json = (request.headers["content-type"] ?? "").toLowerCase().includes("json")
      if (!hasBody(request.method) || !json) return app
      return Effect.matchEffect(request.text, {
        onFailure: () => Effect.succeed(tooLarge()),
        onSuccess: (text) => {
          const problem = text === "" ? undefined : jsonProblem(text)
          return problem === undefined
            ? app
            : Effect.succeed(refuse(400, "BadRequest", `invalid JSON body: ${problem}`))
        }
      })
    })
  ).pipe(
    // the body limit of every request, in the server's context once rather than provided around
    // each request (a copy of the request's whole context each time)
    Layer.merge(Layer.succeed(HttpIncomingMessage.MaxBodySize, Option.some(FileSystem.Size(limit))))
  )
}
