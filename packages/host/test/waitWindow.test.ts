/** A long-poll on many tasks gathers the changes of a short window; the last end answers at once. */
import { describe, expect, it } from "@effect/vitest"
import { type TaskId, type TaskStatus, WaitRequest } from "@hakuriver/sdk"
import { Effect, Fiber, Layer, Option, TestClock } from "effect"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import * as Waiter from "../src/Waiter.js"
import { draft, logsOf } from "./support/drafts.js"

const live = Waiter.layer.pipe(
  Layer.provideMerge(Store.sqlite(":memory:")),
  Layer.provideMerge(TaskEvents.Default)
)

const logs = logsOf()

describe("Waiter on many tasks", () => {
  it.scoped("answers 40 ms (40 × 1 ms) after the first change with every change of that window", () =>
    Effect.gen(function* () {
      const store = yield* Store.Store
      const waiter = yield* Waiter.Waiter
      const { tasks } = yield* store.submit(Array(40).fill(draft), logs, "t0", 1)
      const ids = tasks.map((t) => t.taskId)
      const [head, ...tail] = ids
      if (head === undefined) return yield* Effect.die("no tasks submitted")
      const taskIds: readonly [TaskId, ...Array<TaskId>] = [head, ...tail]
      const known: Record<TaskId, TaskStatus> = {}
      for (const id of ids) known[id] = "pending"
      const settle = Effect.repeatN(Effect.yieldNow(), 50)

      const waiting = yield* Effect.fork(waiter.wait(new WaitRequest({ taskIds, known, timeoutMs: 30_000 })))
      yield* settle
      yield* store.transition(ids[0]!, "killed", "t1")
      yield* settle
      // the window is still open: no answer yet, and a second change joins it
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* store.transition(ids[1]!, "killed", "t1")
      yield* TestClock.adjust("40 millis")
      const answer = yield* Fiber.join(waiting)
      expect(answer.filter((t) => t.status === "killed").map((t) => t.taskId)).toEqual(ids.slice(0, 2))

      // when the change ends the last unfinished task, it answers without waiting for the window
      for (const id of ids.slice(2, -1)) yield* store.transition(id, "killed", "t2")
      const allButLast: Record<TaskId, TaskStatus> = {}
      for (const [i, id] of ids.entries()) allButLast[id] = i < 39 ? "killed" : "pending"
      const last = yield* Effect.fork(
        waiter.wait(new WaitRequest({ taskIds, known: allButLast, timeoutMs: 30_000 }))
      )
      yield* settle
      yield* store.transition(ids[39]!, "killed", "t3")
      const final = yield* Fiber.join(last)
      expect(final.every((t) => t.status === "killed")).toBe(true)
    }).pipe(Effect.provide(live))
  )
})
