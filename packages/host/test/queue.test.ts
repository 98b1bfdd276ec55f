import { describe, expect, it } from "@effect/vitest"
import { Cores, TaskSpec } from "@hakuriver/sdk"
import { Effect } from "effect"
import { eventually, startHost, tempDir, testConfig, waitAllFinal } from "./support/harness.js"
import * as TestRunner from "./support/TestRunner.js"

describe("queue", () => {
  it.live(
    "4 cores, 5 tasks of 2 cores: 2 run, 3 wait, all complete, started in submit order",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startHost(testConfig(dir))
          const runner = yield* TestRunner.make({ name: "node1", hostUrl: url, cores: 4 })
          const ids = []
          for (let i = 0; i < 5; i++) {
            const r = yield* client.tasks.submit({
              payload: new TaskSpec({ command: ["sleep", "0.6"], cores: Cores.make(2), targets: [] })
            })
            ids.push(...r.taskIds)
          }
          const during = yield* eventually(
            client.tasks.list({ urlParams: {} }),
            (ts) => ts.filter((t) => t.status === "running").length === 2
          )
          expect(during.filter((t) => t.status === "pending")).toHaveLength(3)
          const nodes = yield* client.cluster.nodes()
          expect(nodes[0]?.allocated.cores).toBe(4)
          const done = yield* waitAllFinal(client, ids)
          expect(done.map((t) => t.status)).toEqual(Array(5).fill("completed"))
          expect(runner.startOrder).toEqual(ids)
          const started = done.map((t) => Date.parse(t.startedAt ?? ""))
          expect([...started].sort((a, b) => a - b)).toEqual(started)
        })
      ),
    30_000
  )
})
