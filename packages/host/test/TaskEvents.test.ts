import { describe, expect, it } from "@effect/vitest"
import { NodeName, type TaskId } from "@hakuriver/sdk"
import { Effect, Exit, Layer, Queue, Scope } from "effect"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import { draft, logsOf } from "./support/drafts.js"

const live = Layer.provideMerge(Store.sqlite(":memory:"), TaskEvents.Default)

/** The store, the events and `n` fresh pending tasks. */
const withTasks = (n: number) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const events = yield* TaskEvents
    const { tasks } = yield* store.submit(
      Array.from({ length: n }, () => draft),
      logsOf(),
      "t0",
      1
    )
    return { store, events, ids: tasks.map((t) => t.taskId) }
  })

describe("TaskEvents", () => {
  it.scoped("a watcher hears the changes of its tasks only; a subscriber hears them all", () =>
    Effect.gen(function* () {
      const { store, events, ids } = yield* withTasks(3)
      const [a, b, c] = ids as [TaskId, TaskId, TaskId]
      const watcher = yield* events.watch([a, c, a])
      const everything = yield* events.subscribe
      yield* store.transition(b, "killed", "t1")
      yield* store.transition(a, "assigning", "t1", { node: NodeName.make("n1") })
      yield* store.transition(c, "killed", "t1")
      yield* store.transition(a, "killed", "t2")
      const heard = yield* Queue.takeAll(watcher)
      expect([...heard].map((ch) => [ch.taskId, ch.status])).toEqual([
        [a, "assigning"],
        [c, "killed"],
        [a, "killed"]
      ])
      expect(yield* Queue.size(everything)).toBe(4)
    }).pipe(Effect.provide(live))
  )

  it.scoped("watchers of one task each hear it; a watcher whose scope closed hears nothing more", () =>
    Effect.gen(function* () {
      const { store, events, ids } = yield* withTasks(2)
      const [a, b] = ids as [TaskId, TaskId]
      const first = yield* Scope.make()
      const early = yield* Scope.extend(events.watch([a]), first)
      const late = yield* events.watch([a])
      // watchers of other tasks are not handed this task's changes
      const others = yield* Effect.forEach(Array.from({ length: 100 }), () => events.watch([b]))
      yield* store.transition(a, "assigning", "t1", { node: NodeName.make("n1") })
      expect(yield* Queue.size(early)).toBe(1)
      expect(yield* Queue.size(late)).toBe(1)
      for (const other of others) expect(yield* Queue.size(other)).toBe(0)
      yield* Scope.close(first, Exit.void)
      expect(yield* Queue.isShutdown(early)).toBe(true)
      yield* store.transition(a, "killed", "t2")
      expect(yield* Queue.size(late)).toBe(2)
    }).pipe(Effect.provide(live))
  )
})
