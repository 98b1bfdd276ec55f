/**
 * Placement rounds against a real SQLite store, in process: time per placed task when N nodes are
 * filled from a queue of D tasks, and time of the round that follows one task's end (one core
 * frees, one task is placed) — the steady state of a busy cluster. Flat in D and at most linear in
 * N is the target. The dispatcher only records what it is handed, so no HTTP is measured.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { Dispatcher, HostConfig, Placer, Store, TaskEvents } from "@hakuriver/host"
import { fromObject, NodeInfo, NodeName, type Task, type TaskId } from "@hakuriver/sdk"
import { Deferred, Effect, Either, Layer, Ref } from "effect"
import { draft } from "../packages/host/test/support/drafts.js"

export interface PlacementRoundResult {
  readonly nodes: number
  readonly queued: number
  /** Filling every node from the queue, per placed task. */
  readonly fillMicrosPerTask: number
  /** One task ends → the round that places the next one (median of 50); null when nothing is left queued. */
  readonly refillMicros: number | null
}

const CORES = 4

/** A dispatcher that only hands each task to a callback (the round's end is the last hand-off). */
const recording = (onDispatch: (task: Task) => Effect.Effect<void>) =>
  Layer.succeed(
    Dispatcher.Dispatcher,
    Dispatcher.Dispatcher.of({
      dispatch: onDispatch,
      kill: () => Effect.die("not in the bench"),
      pause: () => Effect.die("not in the bench"),
      resume: () => Effect.die("not in the bench")
    })
  )

export const placementRound = (nodes: number, queued: number): Promise<PlacementRoundResult> => {
  const dir = mkdtempSync(join(tmpdir(), "hr-bench-place-"))
  const config = Either.getOrThrow(
    fromObject({ paths: { shared_dir: dir, local_temp_dir: dir }, scheduler: { policy: "least-loaded" } })
  )
  const program = Effect.gen(function* () {
    const store = yield* Store.Store
    const placed = yield* Ref.make<ReadonlyArray<TaskId>>([])
    const target = yield* Ref.make({ count: 0, done: yield* Deferred.make<void>() })
    const onDispatch = (task: Task) =>
      Effect.gen(function* () {
        const all = yield* Ref.updateAndGet(placed, (xs) => [...xs, task.taskId])
        const t = yield* Ref.get(target)
        if (all.length >= t.count) yield* Deferred.succeed(t.done, undefined)
      })
    const expect = (count: number) =>
      Effect.flatMap(Deferred.make<void>(), (done) => Effect.as(Ref.set(target, { count, done }), done))

    // the queue first, then the nodes: the first round meets all of them
    for (let i = 0; i < queued; i += 1000) {
      yield* store.submit(
        Array(Math.min(1000, queued - i)).fill(draft),
        (id) => ({ stdout: id, stderr: id }),
        "t",
        1
      )
    }
    const run = Effect.gen(function* () {
      const placer = yield* Placer.Placer
      const slots = Math.min(nodes * CORES, queued)
      const filled = yield* expect(slots)
      const t0 = performance.now()
      for (let n = 0; n < nodes; n++) {
        yield* store.upsertNode(
          new NodeInfo({
            name: NodeName.make(`n${String(n).padStart(4, "0")}`),
            url: "http://127.0.0.1:1",
            cores: CORES,
            memoryBytes: 8e9,
            numa: [],
            gpus: [],
            executors: ["process"]
          }),
          "t"
        )
      }
      yield* placer.wake
      yield* Deferred.await(filled).pipe(
        Effect.timeoutFail({ duration: "2 minutes", onTimeout: () => new Error("the nodes were not filled") })
      )
      const fillMs = performance.now() - t0
      const refills: Array<number> = []
      for (let i = 0; i < 50 && slots + i < queued; i++) {
        const [first] = yield* Ref.getAndUpdate(placed, (xs) => xs.slice(1))
        const next = yield* expect((yield* Ref.get(placed)).length + 1)
        const t1 = performance.now()
        yield* store.transition(first!, "completed", "t", { exitCode: 0 })
        yield* Deferred.await(next).pipe(
          Effect.timeoutFail({
            duration: "1 minute",
            onTimeout: () => new Error("no task placed after an end")
          })
        )
        refills.push(performance.now() - t1)
      }
      refills.sort((a, b) => a - b)
      return {
        nodes,
        queued,
        fillMicrosPerTask: Math.round((fillMs * 1000) / slots),
        refillMicros:
          refills.length === 0 ? null : Math.round((refills[Math.floor(refills.length / 2)] ?? 0) * 1000)
      }
    })
    return yield* Effect.provide(run, Placer.layer.pipe(Layer.provide(recording(onDispatch))))
  })
  return Effect.runPromise(
    program.pipe(
      Effect.scoped,
      Effect.provide(
        Store.sqlite(join(dir, "host.db")).pipe(
          Layer.provideMerge(TaskEvents.TaskEvents.Default),
          Layer.provideMerge(Layer.succeed(HostConfig.HostConfig, config))
        )
      ),
      Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    )
  )
}
