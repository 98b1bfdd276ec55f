import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Runner } from "@hakuriver/runner"
import type { TaskId } from "@hakuriver/sdk"
import { Effect, Layer } from "effect"
import {
  eventually,
  getTasks,
  spec,
  startHost,
  tempDir,
  testConfig,
  waitAllFinal
} from "./support/harness.js"
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
          // every task runs until the gate file exists
          const gate = path.join(dir, "gate")
          const gated = ["sh", "-c", 'while [ ! -e "$1" ]; do sleep 0.05; done', "gated", gate]
          const ids: Array<TaskId> = []
          for (let i = 0; i < 5; i++) {
            const r = yield* client.tasks.submit({ payload: spec(gated, { cores: 2 }) })
            ids.push(...r.taskIds)
          }
          const statuses = Effect.map(getTasks(client, ids), (ts) => ts.map((t) => t.status))
          const expected = ["running", "running", "pending", "pending", "pending"]
          yield* eventually(statuses, (s) => s.join() === expected.join())
          // and it stays so: the queue holds the other three
          yield* Effect.sleep("600 millis")
          expect(yield* statuses).toEqual(expected)
          expect((yield* client.cluster.nodes())[0]?.allocated).toMatchObject({ cores: 4, tasks: 2 })
          fs.writeFileSync(gate, "")
          const done = yield* waitAllFinal(client, ids)
          expect(done.map((t) => t.status)).toEqual(Array(5).fill("completed"))
          expect(runner.startOrder).toEqual(ids)
          const started = done.map((t) => Date.parse(t.startedAt ?? ""))
          expect([...started].sort((a, b) => a - b)).toEqual(started)
        })
      ),
    30_000
  )

  it.live(
    "the same with a real runner layer offering 1 core and tasks of 0.5 cores",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startHost(testConfig(dir))
          const network = {
            host_port: Number(new URL(url).port),
            runner_bind_ip: "127.0.0.1",
            runner_address: "127.0.0.1",
            runner_port: 0,
            runner_name: "node1"
          }
          yield* Layer.build(
            Runner.layer(testConfig(dir, { network, runner: { executor: "process", max_cores: 1 } }))
          ).pipe(Effect.orDie)
          yield* eventually(client.cluster.nodes(), (ns) => ns.length === 1 && ns[0]?.cores === 1)
          const gate = path.join(dir, "gate")
          const gated = ["sh", "-c", 'while [ ! -e "$1" ]; do sleep 0.05; done', "gated", gate]
          const ids: Array<TaskId> = []
          for (let i = 0; i < 5; i++) {
            const r = yield* client.tasks.submit({ payload: spec(gated, { cores: 0.5, container: "NULL" }) })
            ids.push(...r.taskIds)
          }
          const statuses = Effect.map(getTasks(client, ids), (ts) => ts.map((t) => t.status))
          const expected = ["running", "running", "pending", "pending", "pending"]
          yield* eventually(statuses, (s) => s.join() === expected.join())
          yield* Effect.sleep("600 millis")
          expect(yield* statuses).toEqual(expected)
          fs.writeFileSync(gate, "")
          const done = yield* waitAllFinal(client, ids)
          expect(done.map((t) => t.status)).toEqual(Array(5).fill("completed"))
          const started = done.map((t) => Date.parse(t.startedAt ?? ""))
          expect([...started].sort((a, b) => a - b)).toEqual(started)
        })
      ),
    60_000
  )
})
