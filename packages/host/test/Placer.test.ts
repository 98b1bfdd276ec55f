/**
 * The placement loop on a real store, with a recording dispatcher: it places in submit order
 * as room frees, and does not read an empty queue again after every task's end.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Task } from "@hakuriver/sdk"
import { Effect, Layer } from "effect"
import { Dispatcher } from "../src/Dispatcher.js"
import * as HostConfig from "../src/HostConfig.js"
import * as Placer from "../src/Placer.js"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import { draft, logsOf, nodeInfo } from "./support/drafts.js"
import { eventually, testConfig } from "./support/harness.js"

const logs = logsOf()

/** The store, counting its reads of the queue. */
const countingStore = (reads: { n: number }) =>
  Layer.effect(
    Store.Store,
    Effect.map(Store.Store, (store) => ({
      ...store,
      claimsWithStatus: (statuses: Parameters<typeof store.claimsWithStatus>[0], page?: Store.TaskPage) =>
        Effect.zipRight(
          Effect.sync(() => reads.n++),
          store.claimsWithStatus(statuses, page)
        )
    }))
  ).pipe(Layer.provideMerge(Store.sqlite(":memory:")))

describe("Placer", () => {
  it.live("places as room frees, and an empty queue is not read again until a task is queued", () => {
    const reads = { n: 0 }
    const dispatched: Array<Task> = []
    const recording = Layer.succeed(Dispatcher, {
      dispatch: (task: Task) => Effect.sync(() => void dispatched.push(task))
    } as unknown as Dispatcher["Type"])
    return Effect.gen(function* () {
      const store = yield* Store.Store
      const placer = yield* Placer.Placer
      yield* store.upsertNode(nodeInfo("n1", 1), "t0")
      yield* placer.wake
      const { tasks } = yield* store.submit([draft, draft], logs, "t0", 1)
      const [a, b] = tasks.map((t) => t.taskId)
      const placedIds = (n: number) =>
        eventually(
          Effect.sync(() => dispatched.map((t) => t.taskId)),
          (ids) => ids.length >= n
        )
      expect(yield* placedIds(1)).toEqual([a])
      // b waits for the one core; a's end frees it and b is placed
      yield* store.transition(a ?? "", "completed", "t1", { exitCode: 0 })
      expect(yield* placedIds(2)).toEqual([a, b])
      // the round that placed b read the queue to its end: b's end needs no read
      const before = reads.n
      yield* store.transition(b ?? "", "completed", "t2", { exitCode: 0 })
      yield* placer.wake
      yield* Effect.sleep("200 millis")
      expect(reads.n).toBe(before)
      // a task queued afterwards is read and placed
      const [c] = (yield* store.submit([draft], logs, "t3", 1)).tasks.map((t) => t.taskId)
      expect(yield* placedIds(3)).toEqual([a, b, c])
      expect(reads.n).toBeGreaterThan(before)
    }).pipe(
      Effect.provide(
        Placer.layer.pipe(
          Layer.provideMerge(countingStore(reads)),
          Layer.provideMerge(recording),
          Layer.provideMerge(TaskEvents.Default),
          Layer.provideMerge(HostConfig.layer(testConfig("/tmp/unused")))
        )
      ),
      Effect.scoped
    )
  })
})
