import { describe, expect, it } from "@effect/vitest"
import { NodeInfo, NodeName, type TaskId } from "@hakuriver/sdk"
import { Effect } from "effect"
import { eventually, spec, startHost, tempDir, testConfig, waitAllFinal } from "./support/harness.js"
import { freePort } from "./support/processes.js"
import * as TestRunner from "./support/TestRunner.js"

describe("dispatch", () => {
  it.live(
    "a refusal fails the task with the runner's reason; a busy or unreachable runner sends it back to the queue; never stuck",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          // a long heartbeat timeout: the hand-registered node below never sends one
          const { url, client } = yield* startHost(
            testConfig(dir, { timing: { heartbeat_timeout_factor: 100 } })
          )
          let busy = true
          yield* TestRunner.make({
            name: "picky",
            hostUrl: url,
            cores: 2,
            refuse: (task) => (task.command[0] === "refused" ? "invalid" : busy ? "busy" : undefined)
          })
          const submit = (command: ReadonlyArray<string>, node: string) =>
            Effect.map(
              client.tasks.submit({ payload: spec(command, { targets: [node] }) }),
              (r) => r.taskIds[0] as TaskId
            )

          const refused = yield* submit(["refused"], "picky")
          const [failed] = yield* waitAllFinal(client, [refused])
          expect(failed).toMatchObject({
            status: "failed",
            error: "runner refused the task: this runner cannot run that"
          })

          // busy: back to pending (and tried again) until the runner takes it
          const later = yield* submit(["true"], "picky")
          yield* eventually(
            client.tasks.get({ path: { id: later } }),
            (t) => t.status === "pending" || t.status === "assigning"
          )
          yield* Effect.sleep("1500 millis")
          expect(["pending", "assigning"]).toContain(
            (yield* client.tasks.get({ path: { id: later } })).status
          )
          busy = false
          const [ran] = yield* waitAllFinal(client, [later])
          expect(ran?.status).toBe("completed")

          // unreachable: a node registered at a closed port; its task can still be cancelled at once
          const closed = yield* freePort
          yield* client.runners.register({
            payload: new NodeInfo({
              name: NodeName.make("gone"),
              url: `http://127.0.0.1:${closed}`,
              cores: 2,
              memoryBytes: 1_000_000_000,
              numa: [],
              gpus: [],
              executors: ["process"]
            })
          })
          // a node without sensor data (no heartbeat yet) does not break health
          const health = yield* client.cluster.health({ urlParams: {} })
          expect(health.nodes.find((n) => n.name === "gone")?.usage).toBeNull()
          expect(health.aggregate.nodesOnline).toBe(2)
          const one = yield* client.cluster.health({ urlParams: { node: NodeName.make("gone") } })
          expect(one.aggregate).toMatchObject({ nodesTotal: 1, avgCpuPercent: null, avgMemoryPercent: null })
          const stranded = yield* submit(["true"], "gone")
          yield* Effect.sleep("1500 millis")
          expect(["pending", "assigning"]).toContain(
            (yield* client.tasks.get({ path: { id: stranded } })).status
          )
          const cancelled = yield* client.tasks.kill({ path: { id: stranded } })
          expect(cancelled).toMatchObject({ status: "killed", error: "cancelled before it ran" })
        })
      ),
    30_000
  )

  it.live(
    "a run request whose answer is lost: the host withdraws that attempt before it queues the task again, so it never runs twice",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startHost(testConfig(dir, { scheduler: { policy: "round-robin" } }))
          // each runner loses its answer to a first attempt, and would start it 1.5 s late
          const runners = yield* Effect.all(
            ["a", "b"].map((name) =>
              TestRunner.make({
                name,
                hostUrl: url,
                cores: 1,
                loseAnswer: (task) => (task.attempt === 1 ? "late" : undefined)
              })
            )
          )
          yield* eventually(client.cluster.nodes(), (nodes) => nodes.length === 2)
          const [late] = (yield* client.tasks.submit({ payload: spec(["true"]) })).taskIds
          const [done] = yield* waitAllFinal(client, [late as TaskId])
          // attempt 1 was withdrawn where it went; attempt 2 ran on the other node
          expect(done).toMatchObject({ status: "completed", attempt: 2 })
          // past the moment the lost request would have started its copy
          yield* Effect.sleep("1500 millis")
          const starts = runners.map((r) => r.starts.get(late!) ?? 0)
          expect(starts.reduce((a, b) => a + b)).toBe(1)
          const first = runners.find((r) => r.withdrawals.length > 0)!
          expect(first.withdrawals).toEqual([{ taskId: late, attempt: 1, outcome: "withdrawn" }])
          expect(first.refusedLate).toEqual([{ taskId: late, attempt: 1 }])
          expect(first.name).not.toBe(done?.node)
        })
      ),
    30_000
  )

  it.live("a run request whose answer is lost after the start: the withdrawal finds it running", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir
        const { url, client } = yield* startHost(testConfig(dir))
        const runner = yield* TestRunner.make({
          name: "lossy",
          hostUrl: url,
          cores: 1,
          loseAnswer: (task) => (task.attempt === 1 ? "started" : undefined)
        })
        const [id] = (yield* client.tasks.submit({ payload: spec(["sleep", "0.5"], { targets: ["lossy"] }) }))
          .taskIds
        const [done] = yield* waitAllFinal(client, [id as TaskId])
        expect(done).toMatchObject({ status: "completed", attempt: 1, node: "lossy" })
        expect(runner.starts.get(id!)).toBe(1)
        expect(runner.withdrawals).toEqual([{ taskId: id, attempt: 1, outcome: "running" }])
      })
    )
  )
})
