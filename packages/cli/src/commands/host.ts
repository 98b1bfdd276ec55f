/**
 * `hakuriver host`: runs the host (HostApi server, store, scheduler, node monitor).
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
 * `hakuriver host`.
 * @category commands
 */
export const host = Command.make("host", { config: configOption }, (o) =>
  Effect.gen(function* () {
    const config = yield* loadConfigOf(o.config)
    yield* Effect.gen(function* () {
      yield* Console.log(
        `HakuRiver host listening on ${config.network.host_bind_ip}:${config.network.host_port} (clients use ${hostUrlOf(config)})`
      )
      return yield* Effect.never
    }).pipe(
      Effect.provide(
        // loaded on demand, so that client commands start fast
        withTraceFile(
          Layer.unwrapEffect(
            Effect.promise(() => import("@hakuriver/host")).pipe(Effect.map(({ Host }) => Host.layer(config)))
          )
        )
      )
    )
  })
).pipe(
  Command.withDescription(
    "Run the host: the API for clients and runners, the SQLite store, the scheduler and the node\n" +
      "monitor. Usually run as a service (hakuriver init service --host).\n\n" +
      "HAKURIVER_TRACE_FILE=FILE writes every span of the host to FILE, one JSON line each.\n\n" +
      "Example:\n  hakuriver host --config /etc/hakuriver/config.toml"
  )
)
