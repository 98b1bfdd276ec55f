/**
 * What a script submits: the wire `TaskSpec` in a friendlier shape (targets and memory as
 * strings, `memory: "4G"` or `memoryBytes`), checked in the client with the same messages the
 * host would give.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { parseMemory } from "../domain/Memory.js"
import { TaskSpec } from "../domain/TaskSpec.js"
import { type HakuRiverFailure, hakuRiverError } from "./HakuRiverError.js"

/**
 * A submission.
 * @category models
 * @example
 * const request: SubmitRequest = {
 *   command: ["python", "train.py", "--lr", "0.1"],
 *   targets: ["node1", "node3::0,1"],
 *   cores: 2,
 *   memory: "4G",
 *   env: { SEED: "1" },
 *   container: "torch"
 * }
 */
export interface SubmitRequest {
  /** The program and its arguments (never a shell string). */
  readonly command: ReadonlyArray<string>
  /** `node`, `node:numa` or `node::gpu,gpu`; one task per target. None: the host places it. */
  readonly targets?: ReadonlyArray<string> | undefined
  /** CPU cores per task (fractions in hundredths); default 1. */
  readonly cores?: number | undefined
  /** Memory limit per task: `"512M"`, `"4G"` (powers of 1000) or a number of bytes. */
  readonly memory?: string | number | undefined
  /** Memory limit per task in bytes (alternative to `memory`). */
  readonly memoryBytes?: number | undefined
  /** Environment variables of the task. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** Environment (container) name; `"NULL"` for the systemd fallback; default from the host. */
  readonly container?: string | undefined
  /** Run the Docker container privileged. */
  readonly privileged?: boolean | undefined
  /** Extra bind mounts `HOST:CONTAINER[:ro]`; they replace the configured defaults. */
  readonly mounts?: ReadonlyArray<string> | undefined
}

const decodeSpec = Schema.decodeUnknownEither(TaskSpec, { onExcessProperty: "error" })

const firstMessage = (error: ParseResult.ParseError): string => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (first === undefined) return "invalid submission"
  const where =
    first.path.length === 0 || first.message.startsWith("invalid ")
      ? ""
      : `${first.path.map(String).join(".")}: `
  return `${where}${first.message}`
}

const memoryOf = (request: SubmitRequest): Either.Either<number | undefined, HakuRiverFailure> => {
  if (request.memory !== undefined && request.memoryBytes !== undefined) {
    return Either.left(hakuRiverError("BadRequest", "give memory or memoryBytes, not both"))
  }
  if (request.memory === undefined) return Either.right(request.memoryBytes)
  if (typeof request.memory === "number") return Either.right(request.memory)
  return Either.mapLeft(parseMemory(request.memory), (e) => hakuRiverError("BadRequest", e.message))
}

/**
 * Checks a {@link SubmitRequest} and turns it into the wire `TaskSpec`.
 * @category constructors
 */
export const toTaskSpec = (request: SubmitRequest): Effect.Effect<TaskSpec, HakuRiverFailure> =>
  Effect.gen(function* () {
    const memoryBytes = yield* memoryOf(request)
    const raw = {
      command: request.command,
      ...(request.env === undefined ? {} : { env: request.env }),
      ...(request.cores === undefined ? {} : { cores: request.cores }),
      ...(memoryBytes === undefined ? {} : { memoryBytes }),
      ...(request.targets === undefined ? {} : { targets: request.targets }),
      ...(request.container === undefined ? {} : { container: request.container }),
      ...(request.privileged === undefined ? {} : { privileged: request.privileged }),
      ...(request.mounts === undefined ? {} : { mounts: request.mounts })
    }
    return yield* Either.mapLeft(decodeSpec(raw), (e) => hakuRiverError("BadRequest", firstMessage(e)))
  })
