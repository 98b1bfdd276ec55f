/**
 * A batch of status reports that holds a task's start and its end (a task that ended at once):
 * the start is applied with the end, in one transition, and answered as the end is.
 */
import { describe, expect, it } from "@effect/vitest"
import { NodeName, StatusReports, StatusUpdate, type TaskId } from "@hakuriver/sdk"
import { Effect } from "effect"
import { joinedStarts } from "../src/http/RunnersHttp.js"
import { eventually, spec, startHost, tempDir, testConfig } from "./support/harness.js"
import * as TestRunner from "./support/TestRunner.js"

const update = (taskId: string, status: StatusUpdate["status"], at = "2026-01-01T00:00:00.000Z") =>
  new StatusUpdate({ taskId: taskId as TaskId, status, at, ...(status === "running" ? {} : { exitCode: 0 }) })

describe("status batches", () => {
  it("a start is joined to the task's next report when that one ends it", () => {
    const endOf = joinedStarts([
      update("1", "running"), // 0: ended by 2
      update("2", "running"), // 1: paused next, stays on its own
      update("1", "completed"), // 2
      update("2", "paused"), // 3
      update("2", "running"), // 4: ended by 5
      update("2", "failed"), // 5
      update("3", "running"), // 6: no end in the batch
      update("4", "completed") // 7: an end without a start
    ])
    expect([...endOf]).toEqual([
      [0, 2],
      [4, 5]
    ])
  })

  it.live(
    "a start and its end in one batch end the task with the reported times, and the start is answered as its end",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startHost(testConfig(dir))
          yield* TestRunner.make({ name: "n1", hostUrl: url, cores: 2 })
          const submitted = yield* client.tasks.submit({
            payload: spec(["sleep", "30"], { targets: ["n1"] })
          })
          const id = submitted.taskIds[0] as TaskId
          yield* eventually(client.tasks.get({ path: { id } }), (t) => t.status === "running")
          const batch = (node: string) =>
            client.runners.reportStatuses({
              payload: new StatusReports({
                node: NodeName.make(node),
                updates: [
                  update(id, "running", "2026-01-01T00:00:01.000Z"),
                  update(id, "completed", "2026-01-01T00:00:02.000Z")
                ]
              })
            })
          // from a node the task is not on: both refused, for the end's reason
          const refused = yield* batch("n2")
          const reason = `task ${id} is placed on node n1, not on n2`
          expect(refused).toMatchObject([
            { taskId: id, accepted: false, reason },
            { taskId: id, accepted: false, reason }
          ])
          // from its node: both taken, the task ends at the reported time
          expect(yield* batch("n1")).toMatchObject([
            { taskId: id, accepted: true },
            { taskId: id, accepted: true }
          ])
          const task = yield* client.tasks.get({ path: { id } })
          expect(task).toMatchObject({
            status: "completed",
            exitCode: 0,
            finishedAt: "2026-01-01T00:00:02.000Z"
          })
        })
      ),
    30_000
  )
})
