/**
 * The long-poll behind `POST /tasks/wait`: answers as soon as a task's status differs from what
 * the caller knows, when all are final, or at the timeout. It sleeps on the stream of status
 * changes; nothing polls.
 *
 * @since 0.1.0
 */
import { isFinal, NotFound, type Task, type WaitRequest } from "@hakuriver/sdk"
import { Context, Duration, Effect, Layer, Option, Queue } from "effect"
import { Store } from "./Store.js"
import { TaskEvents } from "./TaskEvents.js"

/**
 * The waiter's interface.
 * @category services
 */
export class Waiter extends Context.Tag("@hakuriver/host/Waiter")<
  Waiter,
  { readonly wait: (request: WaitRequest) => Effect.Effect<ReadonlyArray<Task>, NotFound> }
>() {}

const make = Effect.gen(function* () {
  const store = yield* Store
  const events = yield* TaskEvents

  const wait = Effect.fn("Waiter.wait")(function* (request: WaitRequest) {
    const ids = [...new Set(request.taskIds)]
    const wanted = new Set<string>(ids)
    const sub = yield* events.subscribe
    const read = Effect.gen(function* () {
      const tasks = yield* store.getTasks(ids)
      if (tasks.length !== ids.length) {
        const found = new Set<string>(tasks.map((t) => t.taskId))
        const missing = ids.filter((id) => !found.has(id))
        return yield* Effect.fail(new NotFound({ message: `task ${missing.join(", ")} not found` }))
      }
      const byId = new Map<string, Task>(tasks.map((t) => [t.taskId, t]))
      return ids.flatMap((id) => Option.toArray(Option.fromNullable(byId.get(id))))
    })
    const ready = (tasks: ReadonlyArray<Task>) =>
      tasks.some((t) => request.known[t.taskId] !== t.status) || tasks.every((t) => isFinal(t.status))
    const first = yield* read
    if (ready(first)) return first
    // statuses followed from the changes, so that the tasks are read once per answer (not once
    // per change); a wait on more than 32 tasks gathers the changes of a short window (1 ms a
    // task, at most 1 s) before it answers, so that following N tasks costs O(N) a window, not
    // O(N) per change (the answer holds every task; the end of the last one answers at once)
    const statuses = new Map<string, Task["status"]>(first.map((t) => [t.taskId, t.status]))
    const window = Duration.millis(Math.min(1000, ids.length))
    const untilChange: Effect.Effect<ReadonlyArray<Task>, NotFound> = Effect.gen(function* () {
      for (;;) {
        const change = yield* Queue.take(sub)
        if (!wanted.has(change.taskId)) continue
        statuses.set(change.taskId, change.status)
        if (request.known[change.taskId] === change.status) continue
        const allFinal = [...statuses.values()].every(isFinal)
        if (!allFinal && ids.length > 32) yield* Effect.sleep(window)
        const tasks = yield* read
        if (ready(tasks)) return tasks
      }
    })
    const answer = yield* Effect.timeout(untilChange, Duration.millis(request.timeoutMs)).pipe(Effect.option)
    return Option.isSome(answer) ? answer.value : yield* read
  }, Effect.scoped)

  return Waiter.of({ wait })
})

/** @category layers */
export const layer: Layer.Layer<Waiter, never, Store | TaskEvents> = Layer.effect(Waiter, make)
