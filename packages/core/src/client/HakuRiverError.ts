/**
 * The one error of the client: every failure of an SDK call is a `HakuRiverError` whose `_tag`
 * says what went wrong (the host refused the request, the host cannot be reached, …).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * What went wrong:
 * - `BadRequest`: the request is invalid (checked in the client or refused by the host);
 * - `Unauthorized`: the host refused the token;
 * - `NotFound`: no such task, node, container or tarball;
 * - `Conflict`: the request does not fit the current state (pausing a finished task);
 * - `Unavailable`: something the host needs is not available (a runner, the Docker engine);
 * - `Unreachable`: the host cannot be reached at all;
 * - `ConfigError`: the configuration that names the host cannot be read;
 * - `ProtocolError`: the host answered something this client does not understand.
 * @category errors
 */
export type HakuRiverErrorTag =
  | "BadRequest"
  | "Unauthorized"
  | "NotFound"
  | "Conflict"
  | "Unavailable"
  | "Unreachable"
  | "ConfigError"
  | "ProtocolError"

/** Every tag, for exhaustive checks. @category errors */
export const hakuRiverErrorTags: ReadonlyArray<HakuRiverErrorTag> = [
  "BadRequest",
  "Unauthorized",
  "NotFound",
  "Conflict",
  "Unavailable",
  "Unreachable",
  "ConfigError",
  "ProtocolError"
]

/**
 * The error of every client call. It is an `Error` (so promise users can `catch` it and read
 * `message`) and a tagged Effect error (so Effect users can `Effect.catchTag("NotFound", …)` on
 * {@link HakuRiverFailure}).
 *
 * @category errors
 * @example
 * try {
 *   await status("123")
 * } catch (e) {
 *   if (e instanceof HakuRiverError && e._tag === "NotFound") console.log("no such task")
 * }
 */
export class HakuRiverError extends Data.Error<{
  readonly _tag: HakuRiverErrorTag
  readonly message: string
  /** The HTTP status of the host's answer, when there was one. */
  readonly status?: number | undefined
}> {
  override get name(): string {
    return `HakuRiverError(${this._tag})`
  }
}

/**
 * A {@link HakuRiverError} narrowed by its tag: the error channel of the Effect client, so that
 * `Effect.catchTag` narrows.
 * @category errors
 */
export type HakuRiverFailure = {
  [K in HakuRiverErrorTag]: HakuRiverError & { readonly _tag: K }
}[HakuRiverErrorTag]

/**
 * Makes a {@link HakuRiverFailure}.
 * @category constructors
 */
export const hakuRiverError = (
  tag: HakuRiverErrorTag,
  message: string,
  status?: number | undefined
): HakuRiverFailure => new HakuRiverError({ _tag: tag, message, status }) as HakuRiverFailure

/**
 * Whether a value is a {@link HakuRiverError}, optionally of the given tag.
 * @category guards
 */
export const isHakuRiverError = (u: unknown, tag?: HakuRiverErrorTag): u is HakuRiverError =>
  u instanceof HakuRiverError && (tag === undefined || u._tag === tag)
