/**
 * Turns whatever an HTTP call of the derived client fails with (a contract error, a transport
 * error, a response this client cannot decode) into a {@link HakuRiverFailure}.
 *
 * @since 0.1.0
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import { type HakuRiverErrorTag, type HakuRiverFailure, hakuRiverError } from "./HakuRiverError.js"

const contractTags: Readonly<Record<string, readonly [HakuRiverErrorTag, number]>> = {
  BadRequest: ["BadRequest", 400],
  Unauthorized: ["Unauthorized", 401],
  NotFound: ["NotFound", 404],
  UnknownNode: ["NotFound", 404],
  Conflict: ["Conflict", 409],
  Unavailable: ["Unavailable", 503],
  HttpApiDecodeError: ["BadRequest", 400]
}

const byStatus = (status: number): HakuRiverErrorTag =>
  status === 400 || status === 422
    ? "BadRequest"
    : status === 401 || status === 403
      ? "Unauthorized"
      : status === 404
        ? "NotFound"
        : status === 409
          ? "Conflict"
          : status === 503
            ? "Unavailable"
            : "ProtocolError"

/** The most specific `code`/`message` of a nested transport error (`ECONNREFUSED`, …). */
const transportDetail = (cause: unknown): string => {
  let current: unknown = cause
  let detail = "no answer"
  for (let depth = 0; depth < 5 && Predicate.isObject(current); depth++) {
    if ("code" in current && typeof current.code === "string") return current.code
    if ("message" in current && typeof current.message === "string" && current.message !== "") {
      detail = current.message
    }
    current = "cause" in current ? current.cause : undefined
  }
  return detail
}

/**
 * Maps a failure of an HTTP call to the host at `url` into a {@link HakuRiverFailure}.
 * @category errors
 */
export const toFailure =
  (url: string) =>
  (error: unknown): HakuRiverFailure => {
    if (HttpClientError.isHttpClientError(error)) {
      if (error._tag === "RequestError") {
        return hakuRiverError(
          "Unreachable",
          `cannot reach the host at ${url} (${transportDetail(error.cause)})`
        )
      }
      const status = error.response.status
      return hakuRiverError(
        byStatus(status),
        `the host answered ${status}: ${error.description ?? error.reason}`,
        status
      )
    }
    if (ParseResult.isParseError(error)) {
      return hakuRiverError(
        "ProtocolError",
        `unexpected answer from the host: ${error.message.split("\n")[0]}`
      )
    }
    if (Predicate.hasProperty(error, "_tag") && typeof error._tag === "string") {
      const known = contractTags[error._tag]
      if (known !== undefined) {
        const message =
          Predicate.hasProperty(error, "message") && typeof error.message === "string"
            ? error.message
            : error._tag
        return hakuRiverError(known[0], message, known[1])
      }
    }
    return hakuRiverError("ProtocolError", `unexpected failure: ${String(error)}`)
  }
