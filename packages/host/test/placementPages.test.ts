/** The placement round reads the queue a page at a time and still places past the first page. */
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { NodeInfo, NodeName, type TaskId } from "@hakuriver/sdk"
import { Effect, Layer } from "effect"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import { eventually, getTasks, spec, startHost, tempDir, testConfig } from "./support/harness.js"
import * as TestRunner from "./support/TestRunner.js"
import { draft, logsOf } from "./support/drafts.js"

const logs = logsOf(".")

describe("placement pages", () => {
  it.scoped("tasksWithStatus pages in submit order, none skipped while earlier ones move on", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir, "host.db")
      const layer = Store.sqlite(file).pipe(Layer.provideMerge(TaskEvents.Default))
      yield* Effect.gen(function* () {
        const store = yield* Store.Store
        yield* store.upsertNode(
          new NodeInfo({
            name: NodeName.make("n1"),
            url: "http://127.0.0.1:1",
            cores: 4,
            memoryBytes: 1_000_000_000,
            numa: [],
            gpus: [],
            executors: ["process"]
          }),
          "2026-01-01T00:00:00.000Z"
        )
        const { tasks } = yield* store.submit(Array(23).fill(draft), logs, "2026-01-01T00:00:00.000Z", 1000)
        const seen: Array<string> = []
        let after: string | undefined
        for (;;) {
          const page = yield* store.tasksWithStatus(["pending"], undefined, { after, limit: 5 })
          expect(page.length).toBeLessThanOrEqual(5)
          if (page.length === 0) break
          seen.push(...page.map((t) => t.taskId))
          // the page just read leaves the queue, as a placement round does
          for (const t of page) {
            yield* store.transition(t.taskId, "assigning", "2026-01-01T00:00:01.000Z", {
              node: NodeName.make("n1")
            })
          }
          after = page[page.length - 1]?.taskId
        }
        expect(seen).toEqual(tasks.map((t) => t.taskId))
      }).pipe(Effect.provide(layer))
    })
  )

  it.live(
    "a node with 70 cores gets the first 70 of 100 queued one-core tasks (more than one page)",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startHost(testConfig(dir))
          // queued before any node exists, so that one round meets all of them
          const ids: Array<TaskId> = []
          for (let i = 0; i < 100; i++) {
            ids.push(
              ...(yield* client.tasks.submit({ payload: spec(["sleep", "60"], { container: "NULL" }) }))
                .taskIds
            )
          }
          yield* TestRunner.make({ name: "node1", hostUrl: url, cores: 70 })
          const statuses = Effect.map(getTasks(client, ids), (ts) => ts.map((t) => t.status))
          const expected = [...Array(70).fill("running"), ...Array(30).fill("pending")]
          yield* eventually(statuses, (s) => s.join() === expected.join(), 40_000)
        })
      ),
    60_000
  )
})
