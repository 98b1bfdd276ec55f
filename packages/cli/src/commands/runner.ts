/**
 * `hakuriver runner`: runs a runner on this machine (registers with the host, runs its tasks).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { hostUrlOf } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { configOption } from "../options.js"
import { withTraceFile } from "../traceFile.js"
import { loadConfigOf } from "./loadConfigOf.js"

/**
 * `hakuriver runner`.
 * @category commands
 */
export const runner = Command.make("runner", { config: configOption }, (o) =>
  Effect.gen(function* () {
    const config = yield* loadConfigOf(o.config)
    yield* Effect.gen(function* () {
      yield* Console.log(
        `HakuRiver runner on port ${config.network.runner_port}, reporting to ${hostUrlOf(config)}`
      )
      return yield* Effect.never
    }).pipe(
      Effect.provide(
        // loaded on demand, so that client commands start fast
        withTraceFile(
          Layer.unwrapEffect(
            Effect.promise(() => import("@hakuriver/runner")).pipe(
              Effect.map(({ Runner }) => Runner.layer(config))
            )
          )
        )
      )
    )
  })
).pipe(
  Command.withDescription(
    "Run a runner on this machine: it registers with the host, sends heartbeats and runs the tasks\n" +
      "placed on it. Usually run as a service (hakuriver init service --runner).\n\n" +
      "HAKURIVER_TRACE_FILE=FILE writes every span of the runner to FILE, one JSON line each.\n\n" +
      "Example:\n  hakuriver runner --config /etc/hakuriver/config.toml"
  )
)
