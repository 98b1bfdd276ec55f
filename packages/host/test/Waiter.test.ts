import { describe, expect, it } from "@effect/vitest"
import { NodeName, type TaskId, type TaskStatus, WaitRequest } from "@hakuriver/sdk"
import { Chunk, Effect, Fiber, Layer, Option, TestClock } from "effect"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import * as Waiter from "../src/Waiter.js"
import { draft, logsOf } from "./support/drafts.js"

const live = Waiter.layer.pipe(
  Layer.provideMerge(Store.sqlite(":memory:")),
  Layer.provideMerge(TaskEvents.Default)
)

const logs = logsOf()

/** The store, the waiter and `n` fresh pending tasks. */
const withTasks = (n: number) =>
  Effect.gen(function* () {
    const store = yield* Store.Store
    const waiter = yield* Waiter.Waiter
    const { tasks } = yield* store.submit(
      Array.from({ length: n }, () => draft),
      logs,
      "t0",
      1
    )
    return { store, waiter, ids: tasks.map((t) => t.taskId) }
  })

/** Lets a forked wait set its timer before the clock moves. */
const timerSet = Effect.repeat(Effect.zipLeft(TestClock.sleeps(), Effect.yieldNow()), {
  until: (sleeps) => Chunk.size(sleeps) > 0
})

describe("Waiter (long-poll)", () => {
  it.scoped(
    "wakes on the status change itself, with the clock standing still; else answers at the timeout",
    () =>
      Effect.gen(function* () {
        const { store, waiter, ids } = yield* withTasks(2)
        const [a, b] = ids as [TaskId, TaskId]
        const request = new WaitRequest({
          taskIds: [a, b],
          known: { [a]: "pending", [b]: "pending" },
          timeoutMs: 30_000
        })

        // nothing differs from `known`: it waits
        const waiting = yield* Effect.fork(waiter.wait(request))
        // let it reach its wait on the change stream
        yield* Effect.repeatN(Effect.yieldNow(), 50)
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        // a change of one task answers at once, without any time passing (no polling)
        yield* store.transition(b, "killed", "t1")
        const answer = yield* Fiber.join(waiting)
        expect(answer.map((t) => t.status)).toEqual(["pending", "killed"])

        // with everything as known, only the timeout answers
        const known = new WaitRequest({ taskIds: [a], known: { [a]: "pending" }, timeoutMs: 30_000 })
        const idle = yield* Effect.fork(waiter.wait(known))
        // its timer must be set before the clock moves
        yield* timerSet
        yield* TestClock.adjust("29 seconds")
        expect(Option.isNone(yield* Fiber.poll(idle))).toBe(true)
        yield* TestClock.adjust("1 second")
        expect((yield* Fiber.join(idle)).map((t) => t.status)).toEqual(["pending"])

        // ids missing from `known`, and tasks all final, answer at once; unknown ids are NotFound
        expect((yield* waiter.wait(new WaitRequest({ taskIds: [a] }))).map((t) => t.status)).toEqual([
          "pending"
        ])
        expect((yield* waiter.wait(new WaitRequest({ taskIds: [b], known: { [b]: "killed" } }))).length).toBe(
          1
        )
        const missing = yield* Effect.flip(waiter.wait(new WaitRequest({ taskIds: ["999" as TaskId] })))
        expect(missing.message).toBe("task 999 not found")
      }).pipe(Effect.provide(live))
  )

  it.scoped("with changedOnly, answers only the tasks that differ from `known`; none at the timeout", () =>
    Effect.gen(function* () {
      const { store, waiter, ids } = yield* withTasks(3)
      const [a, b, c] = ids as [TaskId, TaskId, TaskId]
      const ask = (known: Record<TaskId, TaskStatus>) =>
        waiter.wait(new WaitRequest({ taskIds: [a, b, c], known, timeoutMs: 30_000, changedOnly: true }))

      // nothing known yet: every task differs
      expect((yield* ask({})).map((t) => t.taskId)).toEqual([a, b, c])
      const waiting = yield* Effect.fork(ask({ [a]: "pending", [b]: "pending", [c]: "pending" }))
      yield* Effect.repeatN(Effect.yieldNow(), 50)
      yield* store.transition(c, "killed", "t1")
      expect((yield* Fiber.join(waiting)).map((t) => [t.taskId, t.status])).toEqual([[c, "killed"]])

      const idle = yield* Effect.fork(ask({ [a]: "pending", [b]: "pending", [c]: "killed" }))
      yield* timerSet
      yield* TestClock.adjust("30 seconds")
      expect(yield* Fiber.join(idle)).toEqual([])
    }).pipe(Effect.provide(live))
  )

  it.scoped(
    "a task that ends while followed is answered as its end committed it, as the store holds it",
    () =>
      Effect.gen(function* () {
        const { store, waiter, ids } = yield* withTasks(2)
        const [a, b] = ids as [TaskId, TaskId]
        const waiting = yield* Effect.fork(
          waiter.wait(
            new WaitRequest({
              taskIds: [a, b],
              known: {},
              timeoutMs: 30_000,
              changedOnly: true,
              finalOnly: true
            })
          )
        )
        yield* Effect.repeatN(Effect.yieldNow(), 50)
        yield* store.transition(b, "assigning", "t1", { node: NodeName.make("n1") })
        yield* store.transition(b, "failed", "t2", { exitCode: 3, error: "boom", startedAt: "t1" })
        const [answered] = yield* Fiber.join(waiting)
        expect(answered).toMatchObject({
          taskId: b,
          status: "failed",
          exitCode: 3,
          error: "boom",
          finishedAt: "t2"
        })
        expect(answered).toEqual(Option.getOrThrow(yield* store.getTask(b)))
      }).pipe(Effect.provide(live))
  )

  it.scoped(
    "with finalOnly, a start is not an answer; the task's end is, and holds only the ended tasks",
    () =>
      Effect.gen(function* () {
        const { store, waiter, ids } = yield* withTasks(2)
        const [a, b] = ids as [TaskId, TaskId]
        const ask = (known: Record<TaskId, TaskStatus>) =>
          waiter.wait(
            new WaitRequest({ taskIds: [a, b], known, timeoutMs: 30_000, changedOnly: true, finalOnly: true })
          )

        // nothing known yet, but nothing final either: it waits
        const waiting = yield* Effect.fork(ask({}))
        yield* Effect.repeatN(Effect.yieldNow(), 50)
        yield* store.transition(a, "assigning", "t1", { node: NodeName.make("n1") })
        yield* Effect.repeatN(Effect.yieldNow(), 50)
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        yield* store.transition(b, "killed", "t2")
        expect((yield* Fiber.join(waiting)).map((t) => [t.taskId, t.status])).toEqual([[b, "killed"]])

        // a final task not yet known answers at once; one already known does not
        expect((yield* ask({})).map((t) => t.taskId)).toEqual([b])
        const idle = yield* Effect.fork(ask({ [b]: "killed" }))
        yield* timerSet
        yield* TestClock.adjust("30 seconds")
        expect(yield* Fiber.join(idle)).toEqual([])
      }).pipe(Effect.provide(live))
  )

  it.scoped(
    "untilFinal answers once every task has ended, or with the tasks as they stand at its timeout",
    () =>
      Effect.gen(function* () {
        const { store, waiter, ids } = yield* withTasks(3)
        const [a, b, c] = ids as [TaskId, TaskId, TaskId]
        const settle = Effect.repeatN(Effect.yieldNow(), 50)

        // one end is not the answer: it holds until the last of the tasks has ended
        const holding = yield* Effect.fork(waiter.untilFinal([a, b], 30_000))
        yield* settle
        yield* store.transition(b, "killed", "t1")
        yield* settle
        expect(Option.isNone(yield* Fiber.poll(holding))).toBe(true)
        yield* store.transition(a, "assigning", "t2", { node: NodeName.make("n1") })
        yield* settle
        expect(Option.isNone(yield* Fiber.poll(holding))).toBe(true)
        yield* store.transition(a, "killed", "t3")
        const answer = yield* Fiber.join(holding)
        expect(answer.map((t) => [t.taskId, t.status])).toEqual([
          [a, "killed"],
          [b, "killed"]
        ])

        // at the timeout: the ended tasks and the others as they are, in the order asked
        const timed = yield* Effect.fork(waiter.untilFinal([c, a], 5_000))
        yield* timerSet
        yield* TestClock.adjust("5 seconds")
        expect((yield* Fiber.join(timed)).map((t) => [t.taskId, t.status])).toEqual([
          [c, "pending"],
          [a, "killed"]
        ])
      }).pipe(Effect.provide(live))
  )
})
