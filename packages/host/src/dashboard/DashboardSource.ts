/**
 * What the dashboard's live feed reads from the host: the node list and cluster health as the
 * HTTP API shows them, single tasks, and the stream of task status changes. The host provides it
 * from its store and its `TaskEvents` hub (see `Host.ts`); tests may provide it from anything.
 *
 * @since 0.1.0
 */
import type { HealthReport, NodeView, Task, TaskId } from "@hakuriver/sdk"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"

/**
 * The read side the dashboard needs.
 * @category models
 */
export interface DashboardSourceShape {
  /** The nodes, as `GET /nodes` answers. */
  readonly nodes: Effect.Effect<ReadonlyArray<NodeView>>
  /** Cluster and node health, as `GET /health` answers. */
  readonly health: Effect.Effect<HealthReport>
  /** One task, as `GET /tasks/:id` answers. */
  readonly task: (id: TaskId) => Effect.Effect<Option.Option<Task>>
  /** The ids of tasks whose status changed (new tasks included), as they are committed. */
  readonly taskChanges: Stream.Stream<TaskId>
}

/**
 * The dashboard's view of the host.
 * @category services
 */
export class DashboardSource extends Context.Tag("@hakuriver/host/DashboardSource")<
  DashboardSource,
  DashboardSourceShape
>() {}
