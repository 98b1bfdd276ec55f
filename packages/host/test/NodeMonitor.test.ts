import { describe, expect, it } from "@effect/vitest"
import { NodeInfo, NodeName, NodeUsage, type TaskId } from "@hakuriver/sdk"
import * as path from "node:path"
import { Chunk, Effect, Layer, Option, TestClock } from "effect"
import { NodeContext } from "@effect/platform-node"
import { Host, NodeMonitor, Store } from "../src/index.js"
import { tempDir, testConfig } from "./support/harness.js"

const info = new NodeInfo({
  name: NodeName.make("n1"),
  url: "http://127.0.0.1:9",
  cores: 2,
  memoryBytes: 1_000_000_000,
  numa: [],
  gpus: [],
  executors: ["process"]
})
const usage = new NodeUsage({
  cpuPercent: 1,
  memoryUsedBytes: 1,
  memoryPercent: 1,
  temperatures: [],
  gpus: []
})

/** Until the monitor's check loop has set its timer (so moving the clock runs it). */
const loopStarted = Effect.repeat(Effect.zipLeft(TestClock.sleeps(), Effect.yieldNow()), {
  until: (sleeps) => Chunk.size(sleeps) > 0
})

const statusOf = Effect.flatMap(Store.Store, (s) =>
  Effect.map(s.getNode("n1"), (n) => Option.getOrThrow(n).status)
)

const services = (config: Parameters<typeof Host.services>[0]) =>
  Host.services(config).pipe(Layer.provide(NodeContext.layer))

describe("NodeMonitor (TestClock)", () => {
  it.scoped("offline exactly after interval × factor; deadlines resume from a host restart", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      // offline after 1 s × 5 = 5 s; checked every 0.5 s
      const config = testConfig(dir, {
        database: { db_file: path.join(dir, "host.db") },
        timing: { heartbeat_interval: 1, heartbeat_timeout_factor: 5, cleanup_check_interval: 0.5 }
      })
      yield* Effect.scoped(
        Effect.gen(function* () {
          const monitor = yield* NodeMonitor.NodeMonitor
          yield* loopStarted
          yield* monitor.register(info)
          yield* TestClock.adjust("4 seconds")
          yield* monitor.heartbeat("n1", { name: info.name, usage, runningTaskIds: [] })
          yield* TestClock.adjust("4900 millis")
          expect(yield* statusOf).toBe("online")
          yield* TestClock.adjust("600 millis")
          expect(yield* statusOf).toBe("offline")
          // a heartbeat brings it back
          yield* monitor.heartbeat("n1", { name: info.name, usage, runningTaskIds: [] })
          expect(yield* statusOf).toBe("online")
        }).pipe(Effect.provide(services(config)))
      )
      // the host is down for an hour; on start the node is not declared dead at once
      yield* TestClock.adjust("1 hour")
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* loopStarted
          yield* TestClock.adjust("4 seconds")
          expect(yield* statusOf).toBe("online")
          yield* TestClock.adjust("1500 millis")
          expect(yield* statusOf).toBe("offline")
        }).pipe(Effect.provide(services(config)))
      )
    })
  )

  it.scoped("a task is lost only after a whole grace period of heartbeats without it", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      // grace = 2 × heartbeat interval = 2 s; offline only after 100 s
      const config = testConfig(dir, {
        timing: { heartbeat_interval: 1, heartbeat_timeout_factor: 100, cleanup_check_interval: 50 }
      })
      yield* Effect.gen(function* () {
        const monitor = yield* NodeMonitor.NodeMonitor
        const store = yield* Store.Store
        yield* monitor.register(info)
        const draft: Store.TaskDraft = {
          command: ["sleep", "100"],
          env: {},
          cores: 1,
          memoryBytes: null,
          gpus: [],
          numaNode: null,
          target: "n1",
          container: "NULL",
          privileged: false,
          mounts: []
        }
        const logs = (id: TaskId) => ({
          stdout: path.join(dir, `${id}.out`),
          stderr: path.join(dir, `${id}.err`)
        })
        const { tasks } = yield* store.submit([draft], logs, "2026-01-01T00:00:00.000Z", 0)
        const id = tasks[0]!.taskId
        yield* store.transition(id, "assigning", "2026-01-01T00:00:00.000Z", { node: info.name })
        yield* store.transition(id, "running", new Date(0).toISOString())
        const beat = (ids: ReadonlyArray<TaskId>) =>
          monitor.heartbeat("n1", { name: info.name, usage, runningTaskIds: ids })
        const status = Effect.map(store.getTask(id), (t) => Option.getOrThrow(t).status)
        yield* TestClock.adjust("10 seconds")
        // missing at 10 s and 11.5 s, reported at 12 s: the absence starts again at 13 s
        yield* beat([])
        yield* TestClock.adjust("1500 millis")
        yield* beat([])
        yield* TestClock.adjust("500 millis")
        yield* beat([id])
        yield* TestClock.adjust("1 second")
        yield* beat([])
        yield* TestClock.adjust("1900 millis")
        yield* beat([])
        expect(yield* status).toBe("running")
        yield* TestClock.adjust("100 millis")
        yield* beat([])
        expect(yield* status).toBe("lost")
      }).pipe(Effect.provide(services(config)))
    })
  )
})
