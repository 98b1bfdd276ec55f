import { describe, expect, it } from "@effect/vitest"
import { NodeName, NodeUsage, type TaskId } from "@hakuriver/sdk"
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

describe("reconciliation from heartbeats", () => {
  it.live(
    "a task the runner stops reporting is lost; tasks the host has finished or never knew are killed; unknown nodes re-register",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startHost(testConfig(dir, { timing: { heartbeat_interval: 0.2 } }))
          let hide = false
          const runner = yield* TestRunner.make({
            name: "n1",
            hostUrl: url,
            cores: 2,
            reported: (ids) => (hide ? [] : ids)
          })
          const r = yield* client.tasks.submit({ payload: spec(["sleep", "30"], { targets: ["n1"] }) })
          const id = r.taskIds[0] as TaskId
          yield* eventually(client.tasks.get({ path: { id } }), (t) => t.status === "running")
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
})
