import { describe, expect, it } from "@effect/vitest"
import { NodeName, NodeUsage, StatusReports, StatusUpdate, type TaskId } from "@hakuriver/sdk"
import { Effect } from "effect"
import { eventually, spec, startHost, tempDir, testConfig, waitAllFinal } from "./support/harness.js"
import * as TestRunner from "./support/TestRunner.js"

const usage = new NodeUsage({
  cpuPercent: 0,
  memoryUsedBytes: 0,
  memoryPercent: 0,
  temperatures: [],
  gpus: []
})

/** A host with the 2-core test runner n1, running one `sleep 30` that n1 reports as `reported` says. */
const runningOnN1 = (reported?: (ids: ReadonlyArray<TaskId>) => ReadonlyArray<TaskId>) =>
  Effect.gen(function* () {
    const dir = yield* tempDir
    const { url, client } = yield* startHost(testConfig(dir, { timing: { heartbeat_interval: 0.2 } }))
    const runner = yield* TestRunner.make({
      name: "n1",
      hostUrl: url,
      cores: 2,
      ...(reported === undefined ? {} : { reported })
    })
    const r = yield* client.tasks.submit({ payload: spec(["sleep", "30"], { targets: ["n1"] }) })
    const id = r.taskIds[0] as TaskId
    yield* eventually(client.tasks.get({ path: { id } }), (t) => t.status === "running")
    return { client, runner, id }
  })

describe("reconciliation from heartbeats", () => {
  it.live(
    "a task the runner stops reporting is lost; tasks the host has finished or never knew are killed; unknown nodes re-register",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          let hide = false
          const { client, runner, id } = yield* runningOnN1((ids) => (hide ? [] : ids))
          // reported while it runs: it stays running across several heartbeats
          yield* Effect.sleep("1500 millis")
          expect((yield* client.tasks.get({ path: { id } })).status).toBe("running")
          hide = true
          const [lost] = yield* waitAllFinal(client, [id], 10_000)
          expect(lost).toMatchObject({ status: "lost", error: "node n1 no longer reports this task" })
          // the host-final task is still running on the runner: the next acks tell it to stop
          hide = false
          yield* eventually(
            Effect.sync(() => runner.running()),
            (ids) => ids.length === 0
          )

          // a direct heartbeat: a finished task and an unknown id both come back to kill
          const ack = yield* client.runners.heartbeat({
            path: { name: NodeName.make("n1") },
            payload: { name: NodeName.make("n1"), usage, runningTaskIds: [id, "42" as TaskId] }
          })
          expect([...ack.killTaskIds].sort()).toEqual(["42", id].sort())
          const unknown = yield* Effect.flip(
            client.runners.heartbeat({
              path: { name: NodeName.make("ghost") },
              payload: { name: NodeName.make("ghost"), usage, runningTaskIds: [] }
            })
          )
          expect(unknown._tag).toBe("UnknownNode")
        })
      ),
    30_000
  )

  it.live(
    "a report naming a node the task is not placed on is refused, a copy of a queued task is killed; the task's own node is heard",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { client, id } = yield* runningOnN1()
          const endReportedBy = (node: string) =>
            client.runners.reportStatuses({
              payload: new StatusReports({
                node: NodeName.make(node),
                updates: [
                  new StatusUpdate({
                    taskId: id,
                    status: "completed",
                    exitCode: 0,
                    at: new Date().toISOString()
                  })
                ]
              })
            })
          // a stray copy on n2 (say, started there after the host gave up on it) cannot end the task
          const [stray] = yield* endReportedBy("n2")
          expect(stray).toMatchObject({
            taskId: id,
            accepted: false,
            reason: `task ${id} is placed on node n1, not on n2`
          })
          expect((yield* client.tasks.get({ path: { id } })).status).toBe("running")
          // a task queued again (placed nowhere) that a runner still runs: its heartbeat's answer kills it
          const queued = (yield* client.tasks.submit({
            payload: spec(["sleep", "30"], { targets: ["n1"], cores: 2 })
          })).taskIds[0] as TaskId
          expect((yield* client.tasks.get({ path: { id: queued } })).status).toBe("pending")
          const ack = yield* client.runners.heartbeat({
            path: { name: NodeName.make("n1") },
            payload: { name: NodeName.make("n1"), usage, runningTaskIds: [id, queued] }
          })
          expect(ack.killTaskIds).toEqual([queued])
          yield* client.tasks.kill({ path: { id: queued } })
          const [own] = yield* endReportedBy("n1")
          expect(own).toMatchObject({ taskId: id, accepted: true })
          expect(yield* client.tasks.get({ path: { id } })).toMatchObject({
            status: "completed",
            exitCode: 0
          })
        })
      ),
    30_000
  )
})
