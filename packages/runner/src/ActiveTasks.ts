/**
 * The runner's own record of the tasks it has started (Nomad's `client/state`): one small file
 * that survives a runner restart, so the restarted runner knows which tasks it must re-attach to
 * or report as lost.
 *
 * @since 0.1.0
 */
import { ExecutorKind, Task, type TaskId } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { type Encoded, itemEncoder, readJsonFile, writeJsonList } from "./jsonFile.js"

/**
 * One started task as remembered on disk.
 * @category models
 */
export class ActiveTask extends Schema.Class<ActiveTask>("ActiveTask")({
  task: Task,
  kind: ExecutorKind,
  paused: Schema.Boolean,
  warning: Schema.NullOr(Schema.String)
}) {}

const Stored = Schema.Array(ActiveTask)
const encode = itemEncoder(ActiveTask)

/**
 * A persisted map of active tasks by id.
 * @category models
 */
export interface ActiveTasks {
  readonly all: Effect.Effect<ReadonlyArray<ActiveTask>>
  readonly get: (id: TaskId) => Effect.Effect<Option.Option<ActiveTask>>
  readonly set: (entry: ActiveTask) => Effect.Effect<void>
  readonly remove: (id: TaskId) => Effect.Effect<void>
}

/**
 * Opens the record kept in `file`, loading what a previous runner left.
 * @category constructors
 */
export const open = (file: string): Effect.Effect<ActiveTasks> =>
  Effect.gen(function* () {
    const loaded = Option.getOrElse(yield* readJsonFile(file, Stored), () => [])
    const ref = yield* Ref.make(
      new Map<TaskId, Encoded<ActiveTask>>(loaded.map((t) => [t.task.taskId, encode(t)]))
    )
    const lock = yield* Effect.makeSemaphore(1)
    const save = (map: ReadonlyMap<TaskId, Encoded<ActiveTask>>) => writeJsonList(file, map.values())
    const change = (f: (map: Map<TaskId, Encoded<ActiveTask>>) => void) =>
      lock.withPermits(1)(
        Effect.flatMap(
          Ref.modify(ref, (map) => {
            const next = new Map(map)
            f(next)
            return [next, next] as const
          }),
          save
        )
      )
    return {
      all: Effect.map(Ref.get(ref), (map) => Array.from(map.values(), (e) => e.value)),
      get: (id) => Effect.map(Ref.get(ref), (map) => Option.fromNullable(map.get(id)?.value)),
      set: (entry) => change((map) => void map.set(entry.task.taskId, encode(entry))),
      remove: (id) => change((map) => void map.delete(id))
    }
  })
