import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import {
  allStatuses,
  canTransition,
  NodeInfo,
  NodeName,
  NodeUsage,
  type TaskId,
  type TaskStatus
} from "@hakuriver/sdk"
import * as fc from "fast-check"
import * as path from "node:path"
import { Effect, Layer, Option } from "effect"
import * as SqliteDatabase from "../src/SqliteDatabase.js"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import { tempDir } from "./support/harness.js"

const storeAt = (file: string) => Store.sqlite(file).pipe(Layer.provideMerge(TaskEvents.Default))

const draft: Store.TaskDraft = {
  command: ["echo", "hi"],
  env: { A: "1" },
  cores: 1.5,
  memoryBytes: 1_000_000,
  gpus: [1, 3],
  numaNode: 0,
  target: "node1:0::1,3",
  container: "NULL",
  privileged: true,
  mounts: ["/data:/data:ro"]
}

const logs = (id: TaskId) => ({
  stdout: `/shared/task_outputs/${id}.out`,
  stderr: `/shared/task_outputs/${id}.err`
})

const withStore = <A, E>(file: string, body: Effect.Effect<A, E, Store.Store>) =>
  Effect.provide(body, storeAt(file))

const node1 = new NodeInfo({
  name: NodeName.make("node1"),
  url: "http://127.0.0.1:1",
  cores: 8,
  memoryBytes: 16_000_000_000,
  numa: [],
  gpus: [],
  executors: ["process"]
})

describe("Store (SQLite file)", () => {
  it.scoped("keeps every task field and increasing ids across reopening the file", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "sub", "host.db")
      const first = yield* withStore(
        file,
        Effect.flatMap(Store.Store, (s) => s.submit([draft, draft], logs, "2026-01-01T00:00:00.000Z", 1000))
      )
      expect(first.tasks.map((t) => t.batchId)).toEqual([first.batchId, first.batchId])
      const [a, b] = first.tasks.map((t) => t.taskId)
      // the first id is the clock in µs, the batch's id is its first task's
      expect([a, b]).toEqual(["1000000", "1000001"])
      expect(first.batchId).toBe("1000000")
      // reopen: the same rows come back, and a submission with an earlier clock still gets larger ids
      const again = yield* withStore(
        file,
        Effect.gen(function* () {
          const s = yield* Store.Store
          const read = yield* s.getTask(a ?? "")
          const next = yield* s.submit([draft], logs, "2025-01-01T00:00:00.000Z", 1)
          const clock = yield* s.submit([draft], logs, "2026-11-27T00:00:00.123Z", 1_795_996_800_123)
          return { read, next, clock }
        })
      )
      const read = Option.getOrThrow(again.read)
      expect(read).toMatchObject({
        ...draft,
        status: "pending",
        node: null,
        stdoutPath: logs(a as TaskId).stdout
      })
      expect(again.next.tasks[0]?.taskId).toBe("1000002")
      expect(again.next.batchId).toBe("1000002")
      // a real clock: an id of 16 digits, written as an integer
      expect(again.clock.tasks[0]?.taskId).toBe("1795996800123000")
      expect(again.clock.batchId).toBe("1795996800123000")
    })
  )

  it.scoped("the SQLite file is in WAL mode with foreign keys on", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "wal.db")
      const modes = yield* Effect.provide(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const journal = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
          const fk = yield* sql<{ foreign_keys: number }>`PRAGMA foreign_keys`
          return [journal[0]?.journal_mode, fk[0]?.foreign_keys]
        }),
        SqliteDatabase.layer(file)
      )
      expect(modes).toEqual(["wal", 1])
    })
  )

  it.scoped("a status moves only as the transition table allows (property over random walks)", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "host.db")
      yield* withStore(
        file,
        Effect.gen(function* () {
          const s = yield* Store.Store
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(fc.array(fc.constantFrom(...allStatuses), { maxLength: 8 }), (walk) =>
                Effect.runPromise(
                  Effect.gen(function* () {
                    const { tasks } = yield* s.submit([draft], logs, "2026-01-01T00:00:00.000Z", 1)
                    const id = tasks[0]?.taskId ?? ""
                    let status: TaskStatus = "pending"
                    for (const to of walk) {
                      const result = yield* Effect.either(s.transition(id, to, "2026-01-01T00:00:01.000Z"))
                      const allowed =
                        to === status ||
                        canTransition(status, to) ||
                        (status === "assigning" && canTransition("running", to))
                      expect(result._tag === "Right").toBe(allowed)
                      if (result._tag === "Left") expect(result.left._tag).toBe("IllegalTransition")
                      if (allowed) status = to
                      const stored = Option.getOrThrow(yield* s.getTask(id))
                      expect(stored.status).toBe(status)
                    }
                  })
                )
              ),
              { numRuns: 60 }
            )
          )
        })
      )
    })
  )

  it.scoped("activeClaims after reopening the file holds the tasks that were holding resources", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "host.db")
      const [a] = yield* withStore(
        file,
        Effect.gen(function* () {
          const s = yield* Store.Store
          const { tasks } = yield* s.submit([draft, draft], logs, "t0", 1)
          const ids = tasks.map((t) => t.taskId)
          yield* s.transition(ids[0]!, "assigning", "t1", { node: NodeName.make("node1") })
          return ids
        })
      )
      const held = yield* withStore(
        file,
        Effect.flatMap(Store.Store, (s) => s.activeClaims)
      )
      expect(held.map((c) => [c.taskId, c.status, c.node, c.cores])).toEqual([[a, "assigning", "node1", 1.5]])
    })
  )

  it.scoped(
    "claimsWithStatus reads what placement needs, like the whole tasks; countWithStatus counts; activeClaims follows the changes",
    () =>
      withStore(
        ":memory:",
        Effect.gen(function* () {
          const s = yield* Store.Store
          const { tasks } = yield* s.submit(
            [draft, { ...draft, memoryBytes: null, gpus: [] }, draft],
            logs,
            "t0",
            1
          )
          const [a, b, c] = tasks.map((t) => t.taskId) as [TaskId, TaskId, TaskId]
          yield* s.transition(b, "assigning", "t1", { node: NodeName.make("node1") })
          const claimOf = (t: (typeof tasks)[number]) => ({
            taskId: t.taskId,
            status: t.status,
            node: t.node,
            target: t.target,
            cores: t.cores,
            memoryBytes: t.memoryBytes,
            gpus: t.gpus,
            numaNode: t.numaNode,
            container: t.container
          })
          expect(yield* s.claimsWithStatus(["assigning"])).toEqual((yield* s.getTasks([b])).map(claimOf))
          expect(yield* s.claimsWithStatus(["pending"])).toEqual((yield* s.getTasks([a, c])).map(claimOf))
          expect((yield* s.claimsWithStatus(["pending"], { limit: 1 })).map((t) => t.taskId)).toEqual([a])
          expect(
            (yield* s.claimsWithStatus(["pending"], { after: a, limit: 5 })).map((t) => t.taskId)
          ).toEqual([c])
          expect(yield* s.claimsWithStatus([])).toEqual([])
          // counted, not read
          expect(yield* s.countWithStatus(["pending"])).toBe(2)
          expect(yield* s.countWithStatus(["pending", "assigning"])).toBe(3)
          expect(yield* s.countWithStatus(["running"])).toBe(0)
          expect(yield* s.countWithStatus([])).toBe(0)
          // the claims held in memory follow every status change, like the table
          const held = Effect.map(s.activeClaims, (cs) => cs.map((c) => c.taskId).sort())
          expect(yield* held).toEqual([b])
          yield* s.transition(a, "assigning", "t2", { node: NodeName.make("node1") })
          yield* s.transition(a, "running", "t3")
          expect(yield* held).toEqual([a, b].sort())
          yield* s.transition(b, "completed", "t4", { exitCode: 0 })
          expect(yield* held).toEqual([a])
          yield* s.markNodeOffline("node1", "gone", "t5")
          expect(yield* held).toEqual([])
          expect(yield* s.claimsWithStatus(["assigning", "running", "paused"])).toEqual([])
        })
      )
  )

  it.scoped("final statuses set finishedAt; a node going offline loses its active tasks in one step", () =>
    withStore(
      ":memory:",
      Effect.gen(function* () {
        const s = yield* Store.Store
        yield* s.upsertNode(node1, "2026-01-01T00:00:00.000Z")
        const { tasks } = yield* s.submit([draft, draft, draft], logs, "2026-01-01T00:00:00.000Z", 1)
        const [a, b, c] = tasks.map((t) => t.taskId) as [TaskId, TaskId, TaskId]
        const node = NodeName.make("node1")
        yield* s.transition(a, "assigning", "t1", { node })
        yield* s.transition(a, "running", "t2")
        yield* s.transition(b, "assigning", "t1", { node })
        const running = Option.getOrThrow(yield* s.getTask(a))
        expect(running).toMatchObject({ status: "running", node: "node1", startedAt: "t2", finishedAt: null })
        const lost = yield* s.markNodeOffline("node1", "node node1 went offline", "t3")
        expect(lost.map((t) => t.taskId)).toEqual([a, b])
        const after = yield* s.getTasks([a, b, c])
        expect(after.map((t) => t.status)).toEqual(["lost", "lost", "pending"])
        expect(after[0]).toMatchObject({ finishedAt: "t3", error: "node node1 went offline" })
        expect(Option.getOrThrow(yield* s.getNode("node1")).status).toBe("offline")
        // a heartbeat brings it back; an unknown node is None
        const usage = new NodeUsage({
          cpuPercent: 5,
          memoryUsedBytes: 1,
          memoryPercent: 1,
          temperatures: [],
          gpus: []
        })
        expect(yield* s.heartbeat("node1", usage, "t4")).toEqual(Option.some("offline"))
        expect(Option.isNone(yield* s.heartbeat("ghost", usage, "t4"))).toBe(true)
        const back = Option.getOrThrow(yield* s.getNode("node1"))
        expect(back).toMatchObject({ status: "online", lastHeartbeatAt: "t4" })
        expect(back.usage?.cpuPercent).toBe(5)
        // filters
        expect((yield* s.listTasks({ statuses: ["lost"] })).length).toBe(2)
        expect((yield* s.listTasks({ node: "node1" })).length).toBe(2)
        expect((yield* s.listTasks({ limit: 1, offset: 0 })).map((t) => t.taskId)).toEqual([c])
      })
    )
  )
})
