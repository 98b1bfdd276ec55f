/**
 * A submit that waits (`POST /tasks/submit-and-wait`, the SDK's `submitAndWait`): the host holds
 * its answer until the new tasks have ended, or answers them as they stand when the hold runs out;
 * the SDK then goes on waiting with long-polls. A host and a real runner (process executor), with
 * a token.
 */
import { describe, expect, it } from "@effect/vitest"
import { connect, isFinal, type Task } from "@hakuriver/sdk"
import { Effect } from "effect"
import { send, startCluster, token } from "./securityCluster.js"
import { spec, tempDir } from "./support/harness.js"

const node = process.execPath
/** A task that runs about `ms` milliseconds. */
const runsFor = (ms: number) => [node, "-e", `setTimeout(() => {}, ${ms})`]

describe("submit and wait", () => {
  it.live(
    "answers with the ended tasks, or as they stand when the hold runs out; the SDK waits on",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const { url, client } = yield* startCluster(dir)

          // a task that ends within the hold: its end is the answer of its submit
          const quick = yield* client.tasks.submitAndWait({
            payload: spec([node, "-e", "process.exit(3)"], { container: "NULL", targets: ["r1", "r9"] }),
            urlParams: {}
          })
          expect(quick.taskIds).toHaveLength(1)
          expect(quick.failedTargets.map((f) => f.target)).toEqual(["r9"])
          expect(quick.tasks.map((t) => [t.taskId, t.status, t.exitCode])).toEqual([
            [quick.taskIds[0], "failed", 3]
          ])

          // a longer one: answered when the hold runs out, not final yet
          const t0 = Date.now()
          const held = yield* client.tasks.submitAndWait({
            payload: spec(runsFor(3_000), { container: "NULL" }),
            urlParams: { waitMs: 300 }
          })
          expect(Date.now() - t0).toBeLessThan(2_500)
          expect(held.tasks).toHaveLength(1)
          expect(isFinal(held.tasks[0]!.status)).toBe(false)

          // a hold above the longest long-poll is refused with a JSON body
          const refused = yield* send(`${url}/tasks/submit-and-wait?waitMs=60001`, {
            method: "POST",
            auth: token,
            body: JSON.stringify({ command: ["true"], container: "NULL" })
          })
          expect(refused.status).toBe(400)
          expect(JSON.stringify(refused.body)).toContain("60000")

          // the SDK: the hold (0.2 s) runs out, then it waits on until the task's end
          const seen: Array<ReadonlyArray<Task["status"]>> = []
          const done = yield* Effect.promise(() =>
            connect({ url, token }).submitAndWait(
              { command: runsFor(1_000), container: "NULL" },
              { pollInterval: 0.2, onUpdate: (tasks) => seen.push(tasks.map((t) => t.status)) }
            )
          )
          expect(done.tasks.map((t) => [t.taskId, t.status, t.exitCode])).toEqual([
            [done.taskIds[0], "completed", 0]
          ])
          expect(seen[0]?.some((s) => !isFinal(s))).toBe(true)
          expect(seen.at(-1)).toEqual(["completed"])
        })
      ),
    60_000
  )
})
