/**
 * The events of the dashboard's Server-Sent Events stream (`GET /events`) and their wire form.
 *
 * Each SSE message has an `event:` name and one JSON `data:` line:
 * - `snapshot` `{nodes, health, history}` — first, on every (re)connect;
 * - `cluster` `{nodes, health}` — when a node or the cluster totals changed;
 * - `sample` — one `ClusterSample` of the usage history (the charts' points);
 * - `task` — a `Task` whose status changed, or that was just submitted.
 *
 * @since 0.1.0
 */
import { HealthReport, NodeView, Task } from "@hakuriver/sdk"
import * as Schema from "effect/Schema"

/**
 * One point of the cluster's usage history.
 * @category models
 */
export class ClusterSample extends Schema.Class<ClusterSample>("ClusterSample")({
  at: Schema.String,
  cpuPercent: Schema.NullOr(Schema.Number),
  memoryPercent: Schema.NullOr(Schema.Number),
  tasksRunning: Schema.NonNegativeInt,
  tasksPending: Schema.NonNegativeInt,
  nodes: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ cpuPercent: Schema.Number, memoryPercent: Schema.Number })
  })
}) {}

/** The `snapshot` event's data. @category models */
export const Snapshot = Schema.Struct({
  nodes: Schema.Array(NodeView),
  health: HealthReport,
  history: Schema.Array(ClusterSample)
})

/** The `cluster` event's data. @category models */
export const ClusterState = Schema.Struct({ nodes: Schema.Array(NodeView), health: HealthReport })

/**
 * An event of the feed.
 * @category models
 */
export type DashboardEvent =
  | { readonly _tag: "snapshot"; readonly data: typeof Snapshot.Type }
  | { readonly _tag: "cluster"; readonly data: typeof ClusterState.Type }
  | { readonly _tag: "sample"; readonly data: ClusterSample }
  | { readonly _tag: "task"; readonly data: Task }

const json = {
  snapshot: Schema.encodeSync(Schema.parseJson(Snapshot)),
  cluster: Schema.encodeSync(Schema.parseJson(ClusterState)),
  sample: Schema.encodeSync(Schema.parseJson(ClusterSample)),
  task: Schema.encodeSync(Schema.parseJson(Task))
}

const dataOf = (event: DashboardEvent): string => {
  switch (event._tag) {
    case "snapshot":
      return json.snapshot(event.data)
    case "cluster":
      return json.cluster(event.data)
    case "sample":
      return json.sample(event.data)
    case "task":
      return json.task(event.data)
  }
}

/**
 * The SSE frame of an event (`event: NAME`, one `data:` line of JSON, a blank line).
 * @category encoding
 */
export const toSse = (event: DashboardEvent): string => `event: ${event._tag}\ndata: ${dataOf(event)}\n\n`

/**
 * A comment frame: keeps proxies and the browser from closing an idle stream.
 * @category encoding
 */
export const keepAliveFrame = ": keep-alive\n\n"

/**
 * The usage sample of a health report.
 * @category constructors
 */
export const sampleOf = (health: HealthReport, at: string): ClusterSample =>
  new ClusterSample(
    {
      at,
      cpuPercent: health.aggregate.avgCpuPercent,
      memoryPercent: health.aggregate.avgMemoryPercent,
      tasksRunning: health.aggregate.tasksRunning,
      tasksPending: health.aggregate.tasksPending,
      nodes: Object.fromEntries(
        health.nodes.flatMap((n) =>
          n.usage === null || n.status !== "online"
            ? []
            : [[n.name, { cpuPercent: n.usage.cpuPercent, memoryPercent: n.usage.memoryPercent }]]
        )
      )
    },
    // made of a health report's values, checked already: not validated again
    true
  )
