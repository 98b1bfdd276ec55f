/**
 * Status moves: the store makes most in one guarded statement and falls back to a checked
 * transaction; both must write exactly what the move's rule (`TaskMove`) says, from any row.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { allStatuses, NodeName, type Task } from "@hakuriver/sdk"
import * as fc from "fast-check"
import { Effect, Layer, Option, Queue } from "effect"
import * as SqliteDatabase from "../src/SqliteDatabase.js"
import * as Store from "../src/Store.js"
import { TaskEvents } from "../src/TaskEvents.js"
import * as TaskMove from "../src/TaskMove.js"
import { draft, logsOf } from "./support/drafts.js"

const logs = logsOf()

const status = fc.constantFrom(...allStatuses)
const node = fc.constantFrom<string | null>(null, "node1", "node2")
const row = fc.record({
  status,
  node,
  startedAt: fc.constantFrom<string | null>(null, "s0"),
  exitCode: fc.constantFrom<number | null>(null, 3),
  error: fc.constantFrom<string | null>(null, "old"),
  attempt: fc.nat({ max: 3 })
})
const patch: fc.Arbitrary<TaskMove.TransitionPatch> = fc.record(
  {
    from: fc.subarray([...allStatuses]),
    reportedBy: fc.constantFrom("node1", "node2"),
    node: fc.constantFrom(null, NodeName.make("node2")),
    exitCode: fc.constantFrom(null, 0, 137),
    error: fc.constantFrom(null, "new"),
    startedAt: fc.constant("s1"),
    finishedAt: fc.constant("f1")
  },
  { requiredKeys: [] }
)

const fields = (t: Task) => [t.status, t.node, t.startedAt, t.finishedAt, t.exitCode, t.error, t.attempt]

describe("TaskMove", () => {
  it("a move's rule: through running from assigning, `from` checked before the no-op, the node checked first", () => {
    const at = "t1"
    const done = TaskMove.plan("completed", at, { exitCode: 0 })
    expect(done.sources).toEqual(["assigning", "running", "paused"])
    expect([done.startedFromAssigning, done.startedOtherwise, done.finishedAt]).toEqual([at, null, at])
    // assigning → killed is a move of its own: the task never started
    expect(TaskMove.plan("killed", at).startedFromAssigning).toBeNull()
    expect(TaskMove.plan("running", at).sources).toEqual(["assigning", "paused"])
    expect(TaskMove.plan("pending", at).node).toEqual({ keep: false, value: null })
    // a placement is the next attempt; no other move counts one
    expect(allStatuses.filter((to) => TaskMove.plan(to, at).attemptAdds === 1)).toEqual(["assigning"])
    const running = { status: "running", node: "node1" } as Task
    expect(TaskMove.outcome(TaskMove.plan("running", at, { from: ["assigning"] }), running)).toBe(
      "IllegalTransition"
    )
    expect(TaskMove.outcome(TaskMove.plan("running", at), running)).toBe("Unchanged")
    expect(TaskMove.outcome(TaskMove.plan("lost", at, { reportedBy: "node2", from: [] }), running)).toBe(
      "NotOnNode"
    )
    expect(TaskMove.outcome(TaskMove.plan("completed", at), running)).toBe("Moves")
  })

  it.scoped("the store writes, answers and publishes what the rule says, from any row (property)", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const store = yield* Store.Store
      const changes = yield* Effect.flatMap(TaskEvents, (e) => e.subscribe)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(row, status, patch, (before, to, given) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const { tasks } = yield* store.submit([draft], logs, "t0", 1)
                const id = tasks[0]?.taskId ?? ""
                yield* sql`UPDATE tasks SET status = ${before.status}, node = ${before.node},
                             started_at = ${before.startedAt}, exit_code = ${before.exitCode},
                             error = ${before.error}, attempt = ${before.attempt} WHERE task_id = ${id}`
                const current = Option.getOrThrow(yield* store.getTask(id))
                const move = TaskMove.plan(to, "t9", given)
                const expected = TaskMove.outcome(move, current)
                yield* Queue.takeAll(changes)
                const result = yield* Effect.either(store.transition(id, to, "t9", given))
                const stored = Option.getOrThrow(yield* store.getTask(id))
                const published = yield* Queue.takeAll(changes)
                if (expected === "NotOnNode" || expected === "IllegalTransition") {
                  expect(result._tag === "Left" && result.left._tag).toBe(expected)
                  expect(stored).toEqual(current)
                  expect(published.length).toBe(0)
                } else {
                  const after =
                    expected === "Unchanged" ? current : { ...current, ...TaskMove.applyTo(move, current) }
                  expect(result._tag === "Right" && fields(result.right)).toEqual(fields(after as Task))
                  expect(fields(stored)).toEqual(fields(after as Task))
                  expect([...published].map((c) => fields(c.task))).toEqual(
                    expected === "Moves" ? [fields(stored)] : []
                  )
                }
              })
            )
          ),
          { numRuns: 1500 }
        )
      )
    }).pipe(
      Effect.provide(
        Store.layer.pipe(
          Layer.provideMerge(SqliteDatabase.layer(":memory:")),
          Layer.provideMerge(TaskEvents.Default)
        )
      )
    )
  )
})
