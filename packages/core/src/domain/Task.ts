/**
 * A task as the host records it and as clients see it (`status ID --json`).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ContainerChoice } from "./EnvName.js"
import { BatchId, NodeName, TaskId } from "./ids.js"
import { Mount, TaskEnv } from "./TaskSpec.js"
import { TaskStatus } from "./TaskStatus.js"

/** ISO 8601 UTC timestamp string. */
export const Timestamp = Schema.String.pipe(Schema.annotations({ identifier: "Timestamp" }))

/**
 * @category models
 */
export class Task extends Schema.Class<Task>("Task")({
  taskId: TaskId,
  batchId: BatchId,
  status: TaskStatus,
  command: Schema.NonEmptyArray(Schema.String),
  env: TaskEnv,
  cores: Schema.Number,
  memoryBytes: Schema.NullOr(Schema.Number),
  gpus: Schema.Array(Schema.NonNegativeInt),
  numaNode: Schema.NullOr(Schema.NonNegativeInt),
  /** The target as submitted (`node1:0`), or null when the host placed the task. */
  target: Schema.NullOr(Schema.String),
  /** The node the task was placed on. */
  node: Schema.NullOr(NodeName),
  container: ContainerChoice,
  privileged: Schema.Boolean,
  mounts: Schema.Array(Mount),
  exitCode: Schema.NullOr(Schema.Int),
  error: Schema.NullOr(Schema.String),
  submittedAt: Timestamp,
  startedAt: Schema.NullOr(Timestamp),
  finishedAt: Schema.NullOr(Timestamp),
  stdoutPath: Schema.String,
  stderrPath: Schema.String,
  /**
   * How many times the host has placed the task: 1 from its first placement on. A run request
   * carries it, and a runner refuses an attempt the host has withdrawn (its answer was lost and
   * the host queued the task again), so that attempt never starts late beside the next one.
   * Absent in the JSON of an older host: 0.
   */
  attempt: Schema.optionalWith(Schema.NonNegativeInt, { default: () => 0 })
}) {}

/**
 * The tasks of `ids`, in that order: an id with no task among `tasks` is left out, and of two
 * tasks with one id the later wins (a newer copy given after an older one).
 * @category utils
 */
export const inIdOrder = (ids: ReadonlyArray<string>, tasks: Iterable<Task>): Array<Task> => {
  const byId = new Map<string, Task>()
  for (const task of tasks) byId.set(task.taskId, task)
  return ids.flatMap((id) => {
    const task = byId.get(id)
    return task === undefined ? [] : [task]
  })
}

/**
 * The outcome a runner reports for a task.
 * @category models
 */
export class StatusUpdate extends Schema.Class<StatusUpdate>("StatusUpdate")({
  taskId: TaskId,
  status: TaskStatus,
  exitCode: Schema.optional(Schema.Int),
  error: Schema.optional(Schema.String),
  at: Timestamp
}) {}
