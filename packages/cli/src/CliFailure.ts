/**
 * How a `hakuriver` command ends badly: a one-line message and an exit code (SPEC.md: 1 a waited
 * task did not complete, 2 bad usage or a request refused as invalid, 3 the host cannot be
 * reached or refused the token).
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as HttpApiError from "@effect/platform/HttpApiError"
import { isHakuRiverError } from "@hakuriver/sdk"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * A command's failure that the CLI prints (when `message` is not empty) and exits with.
 * @category errors
 */
export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", {
  message: Schema.String,
  exitCode: Schema.Int
}) {}

/** Exit codes. @category constants */
export const ExitCode = {
  ok: 0,
  taskFailed: 1,
  usage: 2,
  unreachable: 3
} as const

const byTag: Readonly<Record<string, number>> = {
  BadRequest: ExitCode.usage,
  NotFound: ExitCode.usage,
  UnknownNode: ExitCode.usage,
  Conflict: ExitCode.usage,
  ConfigError: ExitCode.usage,
  InvalidInput: ExitCode.usage,
  HttpApiDecodeError: ExitCode.usage,
  Unauthorized: ExitCode.unreachable,
  Unreachable: ExitCode.unreachable,
  RequestError: ExitCode.unreachable,
  Unavailable: ExitCode.taskFailed,
  ProtocolError: ExitCode.taskFailed
}

/**
 * The exit code and one-line message for anything a command failed with. Validation errors of
 * the command line were already printed by @effect/cli, so their message is empty.
 * @category errors
 */
export const describeFailure = (error: unknown): { readonly exitCode: number; readonly message: string } => {
  if (ValidationError.isValidationError(error)) return { exitCode: ExitCode.usage, message: "" }
  if (error instanceof CliFailure) return { exitCode: error.exitCode, message: error.message }
  if (ParseResult.isParseError(error)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    return { exitCode: ExitCode.usage, message: issueMessage(issues) ?? oneLine(error.message) }
  }
  if (error instanceof HttpApiError.HttpApiDecodeError) {
    return { exitCode: ExitCode.usage, message: issueMessage(error.issues) ?? oneLine(error.message) }
  }
  const own = oneLine(
    Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== ""
      ? error.message
      : String(error)
  )
  // e.g. ServeError: listen EADDRINUSE: address already in use 127.0.0.1:8000
  const cause =
    Predicate.hasProperty(error, "cause") &&
    Predicate.hasProperty(error.cause, "message") &&
    typeof error.cause.message === "string"
      ? oneLine(error.cause.message)
      : ""
  const message = cause !== "" && !own.includes(cause) ? `${own}: ${cause}` : own
  if (isHakuRiverError(error)) return { exitCode: byTag[error._tag] ?? 1, message }
  if (Predicate.hasProperty(error, "exitCode") && typeof error.exitCode === "number") {
    return { exitCode: error.exitCode, message }
  }
  if (Predicate.hasProperty(error, "_tag") && typeof error._tag === "string") {
    const code = byTag[error._tag]
    if (code !== undefined) return { exitCode: code, message: `${message}` }
  }
  return { exitCode: 1, message }
}

/** The first problem of a schema failure, with where it is: `targets: duplicate target "a"`. */
const issueMessage = (
  issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>
): string | undefined => {
  const first = issues[0]
  if (first === undefined) return undefined
  const where = first.path.map(String).join(".")
  return oneLine(where === "" ? first.message : `${where}: ${first.message}`)
}

const oneLine = (s: string): string =>
  s
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim() ?? s
