/**
 * Retrying a call to the host until it succeeds: exponential backoff from `first`, capped at
 * `max`, jittered so that many runners do not retry in step. Each failure is logged at debug level.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

/** Retries `self` until it succeeds (its failures never reach the caller). */
export const retryForever =
  (what: string, first: Duration.DurationInput, max: Duration.Duration) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, never, R> =>
    self.pipe(
      Effect.tapError((e) => Effect.logDebug(`${what} failed, will retry`, e)),
      Effect.retry(
        Schedule.exponential(first, 2).pipe(
          Schedule.modifyDelay((d) => Duration.min(d, max)),
          Schedule.jittered
        )
      ),
      Effect.orDie
    )
