/**
 * The placement loop on a real store, with a recording dispatcher: it places in submit order
 * as room frees, does not read an empty queue again after every task's end, and gives way to
 * other fibers after each task it places.
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

/** The placement loop with a dispatcher that records what it is given. */
const recordingPlacer = (reads: { n: number }, onDispatch: (task: Task) => void) =>
  Placer.layer.pipe(
    Layer.provideMerge(countingStore(reads)),
    Layer.provideMerge(
      Layer.succeed(Dispatcher, {
        dispatch: (task: Task) => Effect.sync(() => onDispatch(task))
      } as unknown as Dispatcher["Type"])
    ),
    Layer.provideMerge(TaskEvents.Default),
    Layer.provideMerge(HostConfig.layer(testConfig("/tmp/unused")))
  )

describe("Placer", () => {
  it.live("places as room frees, and an empty queue is not read again until a task is queued", () => {
    const reads = { n: 0 }
    const dispatched: Array<Task> = []
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
    }).pipe(Effect.provide(recordingPlacer(reads, (task) => void dispatched.push(task))), Effect.scoped)
  })

  it.live("a round that places many tasks lets other fibers run after each one", () => {
    // "d": a task dispatched; "o": a step of another fiber that yields after each step
    const trace: Array<"d" | "o"> = []
    const count = 12
    return Effect.gen(function* () {
      const store = yield* Store.Store
      const placer = yield* Placer.Placer
      // queued while no node is known: the round that the node's arrival starts places all 12
      yield* store.submit(
        Array.from({ length: count }, () => draft),
        logs,
        "t0",
        1
      )
      const dispatchedAll = () => trace.filter((e) => e === "d").length >= count
      const other = Effect.repeat(
        Effect.zipRight(
          Effect.sync(() => void trace.push("o")),
          Effect.yieldNow()
        ),
        { until: dispatchedAll }
      )
      yield* store.upsertNode(nodeInfo("n1", count), "t1")
      yield* placer.wake
      yield* other
      const placing = trace.slice(trace.indexOf("d"), trace.lastIndexOf("d") + 1).join("")
      expect(placing.split("d").length - 1).toBe(count)
      // run whole, the round placed them one after another with nothing in between
      expect(placing).not.toContain("dd")
    }).pipe(Effect.provide(recordingPlacer({ n: 0 }, () => void trace.push("d"))), Effect.scoped)
  })
})
