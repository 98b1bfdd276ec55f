/**
 * The `runners` group of HostApi: registration, heartbeats and status reports (one per request,
 * or several in order).
 *
 * @since 0.1.0
 */
import { HttpApiBuilder } from "@effect/platform"
import { applyReports, Conflict, HostApi, NotFound, type StatusUpdate } from "@hakuriver/sdk"
import { Clock, Effect } from "effect"
import { isoOf } from "../HostConfig.js"
import { NodeMonitor } from "../NodeMonitor.js"
import { type StoreShape, Store } from "../Store.js"

/** Applies one runner report to the store; `node`, when known, must be the task's node. */
const applyReport = (store: StoreShape, update: StatusUpdate, node?: string) =>
  Effect.gen(function* () {
    const now = isoOf(yield* Clock.currentTimeMillis)
    const at = Number.isNaN(Date.parse(update.at)) ? now : update.at
    return yield* store
      .transition(update.taskId, update.status, now, {
        ...(node === undefined ? {} : { reportedBy: node }),
        ...(update.exitCode === undefined ? {} : { exitCode: update.exitCode }),
        ...(update.error === undefined ? {} : { error: update.error }),
        ...(update.status === "running" ? { startedAt: at } : { finishedAt: at })
      })
      .pipe(
        Effect.catchTags({
          TaskNotFound: (e) => Effect.fail(new NotFound({ message: e.message })),
          IllegalTransition: (e) => Effect.fail(new Conflict({ message: e.message })),
          NotOnNode: (e) => Effect.fail(new Conflict({ message: e.message }))
        })
      )
  })

/** @category layers */
export const RunnersHttpLive = HttpApiBuilder.group(HostApi, "runners", (handlers) =>
  Effect.gen(function* () {
    const monitor = yield* NodeMonitor
    const store = yield* Store
    return handlers
      .handle("register", ({ payload }) => monitor.register(payload))
      .handle("heartbeat", ({ path, payload }) => monitor.heartbeat(path.name, payload))
      .handle("reportStatus", ({ path, payload }) =>
        payload.taskId !== path.id
          ? Effect.fail(new Conflict({ message: `the report is for task ${payload.taskId}, not ${path.id}` }))
          : applyReport(store, payload).pipe(Effect.withSpan("Host.reportStatus"))
      )
      .handle("reportStatuses", ({ payload }) =>
        applyReports(payload.updates, (update) => applyReport(store, update, payload.node)).pipe(
          Effect.withSpan("Host.reportStatuses", { attributes: { reports: payload.updates.length } })
        )
      )
  })
)
