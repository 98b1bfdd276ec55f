/**
 * The `runners` group of HostApi: registration, heartbeats and status reports (one per request,
 * or several in order).
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { applyReports, Conflict, HostApi, isFinal, NotFound, type StatusUpdate } from "@hakuriver/sdk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { isoOf } from "../HostConfig.js"
import { NodeMonitor } from "../NodeMonitor.js"
import { type StoreShape, Store } from "../Store.js"

/**
 * Applies one runner report to the store; `node`, when known, must be the task's node. `started`
 * is the time of a start reported with this end (see {@link joinedStarts}).
 */
const applyReport = (store: StoreShape, update: StatusUpdate, node?: string, started?: string) =>
  Effect.gen(function* () {
    const now = isoOf(yield* Clock.currentTimeMillis)
    const valid = (at: string) => (Number.isNaN(Date.parse(at)) ? now : at)
    const at = valid(update.at)
    return yield* store
      .transition(update.taskId, update.status, now, {
        ...(node === undefined ? {} : { reportedBy: node }),
        ...(update.exitCode === undefined ? {} : { exitCode: update.exitCode }),
        ...(update.error === undefined ? {} : { error: update.error }),
        ...(update.status === "running" ? { startedAt: at } : { finishedAt: at }),
        ...(started === undefined ? {} : { startedAt: valid(started) })
      })
      .pipe(
        Effect.catchTags({
          TaskNotFound: (e) => Effect.fail(new NotFound({ message: e.message })),
          IllegalTransition: (e) => Effect.fail(new Conflict({ message: e.message })),
          NotOnNode: (e) => Effect.fail(new Conflict({ message: e.message }))
        })
      )
  })

/**
 * The starts of a batch that the task's next report in it ends: a task that ended at once is
 * reported as a start and its end in one batch. Such a start is applied with its end (as its start
 * time), not on its own, which saves the host a transaction per quick task, and is answered as its
 * end is. `endOf` maps the index of each such start to the index of its end.
 * @internal
 */
export const joinedStarts = (updates: ReadonlyArray<StatusUpdate>): ReadonlyMap<number, number> => {
  const endOf = new Map<number, number>()
  // the task's previous report in the batch, when it was a start
  const lastStart = new Map<string, number>()
  updates.forEach((update, i) => {
    const start = lastStart.get(update.taskId)
    lastStart.delete(update.taskId)
    if (start !== undefined && isFinal(update.status)) endOf.set(start, i)
    if (update.status === "running") lastStart.set(update.taskId, i)
  })
  return endOf
}

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
      .handle("reportStatuses", ({ payload }) => {
        const { updates } = payload
        const endOf = joinedStarts(updates)
        const startOf = new Map([...endOf].map(([start, end]) => [end, updates[start]?.at]))
        return applyReports(updates, (update, i) =>
          endOf.has(i) ? Effect.void : applyReport(store, update, payload.node, startOf.get(i))
        ).pipe(
          Effect.map((outcomes) => outcomes.map((outcome, i) => outcomes[endOf.get(i) ?? i] ?? outcome)),
          Effect.withSpan("Host.reportStatuses", { attributes: { reports: updates.length } })
        )
      })
  })
)
