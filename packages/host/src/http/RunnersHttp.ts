/**
 * The `runners` group of HostApi: registration, heartbeats and status reports.
 *
 * @since 0.1.0
 */
import { HttpApiBuilder } from "@effect/platform"
import { Conflict, HostApi, NotFound } from "@hakuriver/sdk"
import { Clock, Effect } from "effect"
import { isoOf } from "../HostConfig.js"
import { NodeMonitor } from "../NodeMonitor.js"
import { Store } from "../Store.js"

/** @category layers */
export const RunnersHttpLive = HttpApiBuilder.group(HostApi, "runners", (handlers) =>
  Effect.gen(function* () {
    const monitor = yield* NodeMonitor
    const store = yield* Store
    return handlers
      .handle("register", ({ payload }) => monitor.register(payload))
      .handle("heartbeat", ({ path, payload }) => monitor.heartbeat(path.name, payload))
      .handle("reportStatus", ({ path, payload }) =>
        Effect.gen(function* () {
          if (payload.taskId !== path.id) {
            return yield* Effect.fail(
              new Conflict({ message: `the report is for task ${payload.taskId}, not ${path.id}` })
            )
          }
          const now = isoOf(yield* Clock.currentTimeMillis)
          const at = Number.isNaN(Date.parse(payload.at)) ? now : payload.at
          return yield* store
            .transition(path.id, payload.status, now, {
              ...(payload.exitCode === undefined ? {} : { exitCode: payload.exitCode }),
              ...(payload.error === undefined ? {} : { error: payload.error }),
              ...(payload.status === "running" ? { startedAt: at } : { finishedAt: at })
            })
            .pipe(
              Effect.catchTags({
                TaskNotFound: (e) => Effect.fail(new NotFound({ message: e.message })),
                IllegalTransition: (e) => Effect.fail(new Conflict({ message: e.message }))
              })
            )
        }).pipe(Effect.withSpan("Host.reportStatus"))
      )
  })
)
