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
})
