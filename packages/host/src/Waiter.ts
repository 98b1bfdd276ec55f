/**
 * The long-poll behind `POST /tasks/wait`: answers as soon as a task's status differs from what
 * the caller knows, when all are final, or at the timeout. It sleeps on the stream of status
 * changes; nothing polls. The answer holds every task, or with `changedOnly` only those whose
 * status differs from `known`. With `finalOnly`, only a task's end counts as a change.
 *
 * It also holds the answer of a submit that waits (`POST /tasks/submit-and-wait`) until the new
 * tasks have ended: the client learns their end without a request of its own to wait with.
 *
 * @since 0.1.0
 */
import {
  inIdOrder,
  isFinal,
  NotFound,
  type Task,
  type TaskId,
  type TaskStatus,
  WaitRequest
} from "@hakuriver/sdk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { Store } from "./Store.js"
import { type TaskChange, TaskEvents } from "./TaskEvents.js"

/**
 * The waiter's interface.
 * @category services
 */
export class Waiter extends Context.Tag("@hakuriver/host/Waiter")<
  Waiter,
  {
    readonly wait: (request: WaitRequest) => Effect.Effect<ReadonlyArray<Task>, NotFound>
    /**
     * The tasks (in the given order) once every one is final, or as they stand after `timeoutMs`:
     * the hold of a submit that waits (`POST /tasks/submit-and-wait`).
     */
    readonly untilFinal: (
      taskIds: ReadonlyArray<TaskId>,
      timeoutMs: number
    ) => Effect.Effect<ReadonlyArray<Task>, NotFound>
  }
>() {}

/** Above this many tasks, an answer gathers the changes of a short window first. */
const gatherAbove = 32

const make = Effect.gen(function* () {
  const store = yield* Store
  const events = yield* TaskEvents

  const wait = Effect.fn("Waiter.wait")(function* (request: WaitRequest) {
    const ids = [...new Set(request.taskIds)]
    const sub = yield* events.watch(ids)
    // the statuses are read once (light: no task decoded) and then followed from the changes
    const statuses = new Map<string, TaskStatus>(yield* store.statusesOf(ids))
    if (statuses.size !== ids.length) {
      const missing = ids.filter((id) => !statuses.has(id))
      return yield* Effect.fail(new NotFound({ message: `task ${missing.join(", ")} not found` }))
    }
    let unfinished = 0
    for (const status of statuses.values()) if (!isFinal(status)) unfinished++
    const finalOnly = request.finalOnly === true
    /** Whether the caller should hear of the task: its status is not the known one (and is final). */
    const differs = (id: string) => {
      const status = statuses.get(id)
      return (
        request.known[id as Task["taskId"]] !== status &&
        (!finalOnly || (status !== undefined && isFinal(status)))
      )
    }
    // the tasks that ended while followed, as their last change committed them: a final task
    // changes no more, so the answer need not read it again
    const ended = new Map<string, Task>()
    const follow = (change: TaskChange) => {
      const before = statuses.get(change.taskId)
      if (before === undefined || before === change.status) return
      if (!isFinal(before) && isFinal(change.status)) unfinished--
      statuses.set(change.taskId, change.status)
      if (isFinal(change.status)) ended.set(change.taskId, change.task)
    }

    /** Every task (in request order), or only those whose status differs from `known`. */
    const answer = Effect.gen(function* () {
      const shown = request.changedOnly === true ? ids.filter(differs) : ids
      const unread = shown.filter((id) => !ended.has(id))
      return inIdOrder(shown, [
        ...ended.values(),
        ...(unread.length === 0 ? [] : yield* store.getTasks(unread))
      ])
    })

    if (unfinished === 0 || ids.some(differs)) return yield* answer
    // a wait on many tasks gathers the changes of a short window (1 ms a task, at most 1 s)
    // before it answers, so that following N tasks costs one answer per window, not one per
    // change; the end of the last unfinished task answers at once
    const window = Duration.millis(Math.min(1000, ids.length))
    const untilChange = Effect.gen(function* () {
      for (;;) {
        const change = yield* Queue.take(sub)
        follow(change)
        if (!differs(change.taskId)) continue
        if (unfinished > 0 && ids.length > gatherAbove) {
          yield* Effect.sleep(window)
          for (const later of yield* Queue.takeAll(sub)) follow(later)
        }
        return
      }
    })
    yield* Effect.timeout(untilChange, Duration.millis(request.timeoutMs)).pipe(Effect.ignore)
    return yield* answer
  }, Effect.scoped)

  const untilFinal = Effect.fn("Waiter.untilFinal")(function* (
    taskIds: ReadonlyArray<TaskId>,
    timeoutMs: number
  ) {
    const start = yield* Clock.currentTimeMillis
    // each round follows the tasks not yet final and answers with those that ended
    const ended = new Map<string, Task>()
    for (;;) {
      const [head, ...tail] = taskIds.filter((id) => !ended.has(id))
      const left = Math.ceil(timeoutMs - ((yield* Clock.currentTimeMillis) - start))
      if (head === undefined || left <= 0) break
      const request = new WaitRequest({
        taskIds: [head, ...tail],
        timeoutMs: left,
        changedOnly: true,
        finalOnly: true
      })
      const changed = yield* wait(request)
      if (changed.length === 0) break // the time ran out
      for (const task of changed) ended.set(task.taskId, task)
    }
    const open = taskIds.filter((id) => !ended.has(id))
    return inIdOrder(taskIds, [...ended.values(), ...(open.length === 0 ? [] : yield* store.getTasks(open))])
  })

  return Waiter.of({ wait, untilFinal })
})

/** @category layers */
export const layer: Layer.Layer<Waiter, never, Store | TaskEvents> = Layer.effect(Waiter, make)
