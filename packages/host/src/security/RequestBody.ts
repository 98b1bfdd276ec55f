/**
 * A cap on request bodies: larger requests are refused with 413 before they are read.
 *
 * @since 0.1.0
 */
import { HttpApiBuilder, HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"

/**
 * The largest request body the host accepts (1 MiB): a task spec is a few kilobytes.
 * @category security
 */
export const maxBodyBytes = 1024 * 1024

const tooLarge = (limit: number) =>
  HttpServerResponse.unsafeJson(
    { _tag: "PayloadTooLarge", message: `request body larger than ${limit} bytes` },
    { status: 413 }
  )

/**
 * Middleware for every route of the server: a declared `content-length` over `limit` answers 413
 * at once; other bodies are read with at most `limit` bytes (a longer chunked body fails to parse).
 * @category layers
 */
export const layer = (limit: number = maxBodyBytes) =>
  HttpApiBuilder.middleware((app) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const declared = Number(request.headers["content-length"] ?? "0")
      if (Number.isFinite(declared) && declared > limit) return Effect.succeed(tooLarge(limit))
      return HttpIncomingMessage.withMaxBodySize(app, Option.some(limit))
    })
  )
