/**
 * The host's stream of task status changes: every committed change is published here, and the
 * long-poll `wait`, log follow and the placement loop wake up from it instead of polling.
 *
 * @since 0.1.0
 */
import type { NodeName, Task, TaskId, TaskStatus } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"

/**
 * One committed status change of a task.
 * @category models
 */
export interface TaskChange {
  readonly taskId: TaskId
  readonly status: TaskStatus
  readonly node: NodeName | null
  /** The task as committed with this change. */
  readonly task: Task
}

/**
 * The publish/subscribe hub of task changes.
 * @category services
 */
export class TaskEvents extends Effect.Service<TaskEvents>()("@hakuriver/host/TaskEvents", {
  scoped: Effect.gen(function* () {
    const hub = yield* Effect.acquireRelease(PubSub.unbounded<TaskChange>(), PubSub.shutdown)
    return {
      /** Publishes changes (after their transaction committed). */
      publish: (changes: ReadonlyArray<TaskChange>): Effect.Effect<void> =>
        changes.length === 0 ? Effect.void : Effect.asVoid(PubSub.publishAll(hub, changes)),
      /** A subscription that receives every change published after it was made. */
      subscribe: PubSub.subscribe(hub) as Effect.Effect<Queue.Dequeue<TaskChange>, never, Scope.Scope>
    }
  })
}) {}
