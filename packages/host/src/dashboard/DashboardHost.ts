/**
 * The dashboard wired to the host: its `DashboardSource` reads the host's store (nodes and
 * health exactly as `GET /nodes` and `GET /health` answer) and follows the host's `TaskEvents`
 * hub for task changes.
 *
 * @since 0.1.0
 */
import type { HakuRiverConfig } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { healthReport, nodeViews } from "../http/ClusterHttp.js"
import { Store } from "../Store.js"
import { TaskEvents } from "../TaskEvents.js"
import * as Dashboard from "./DashboardRoutes.js"
import { DashboardSource } from "./DashboardSource.js"

/**
 * `DashboardSource` from the host's services.
 * @category layers
 */
export const source: Layer.Layer<DashboardSource, never, Store | TaskEvents> = Layer.effect(
  DashboardSource,
  Effect.gen(function* () {
    const store = yield* Store
    const events = yield* TaskEvents
    return DashboardSource.of({
      nodes: Effect.provideService(nodeViews, Store, store),
      // without a node filter the report cannot miss a node
      health: healthReport().pipe(Effect.orDie, Effect.provideService(Store, store)),
      task: store.getTask,
      taskChanges: Stream.unwrapScoped(Effect.map(events.subscribe, (queue) => Stream.fromQueue(queue))).pipe(
        Stream.map((change) => change.taskId)
      )
    })
  })
)

/**
 * The dashboard routes of a host with this configuration (`/`, `/assets/*`, `/events`).
 * @category layers
 */
export const layer = (
  config: HakuRiverConfig,
  options: Omit<Dashboard.DashboardOptions, "token"> = {}
): Layer.Layer<never, never, Store | TaskEvents> =>
  Dashboard.layer({ ...options, token: config.security.token }).pipe(Layer.provide(source))
