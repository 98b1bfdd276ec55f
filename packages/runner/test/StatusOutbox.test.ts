import * as fs from "node:fs"
import * as path from "node:path"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { NodeName, StatusUpdate, type TaskId, type TaskStatus } from "@hakuriver/sdk"
import { type Duration, Effect, Layer } from "effect"
import * as HostClient from "../src/HostClient.js"
import * as StatusOutbox from "../src/StatusOutbox.js"
import { eventually, freePort, makeState, makeTask, serveMiniHost } from "./miniHost.js"
import { scopedTempDir } from "../../../test/kit/index.js"

const update = (taskId: TaskId, status: TaskStatus, exitCode?: number) =>
  new StatusUpdate({
    taskId,
    status,
    at: new Date().toISOString(),
    ...(exitCode === undefined ? {} : { exitCode })
  })

const outboxAt = (file: string, port: number, gather?: Duration.DurationInput) =>
  Layer.build(
    StatusOutbox.layer({ file, maxBackoff: "200 millis", gather, node: NodeName.make("r1") }).pipe(
      Layer.provide(HostClient.layer({ baseUrl: `http://127.0.0.1:${port}`, token: "" })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
  ).pipe(Effect.flatMap((context) => Effect.provide(StatusOutbox.StatusOutbox, context)))

describe("StatusOutbox", () => {
  it.scopedLive(
    "keeps updates on disk while the host is down, then sends them in order in one request; refused ones are dropped",
    () =>
      Effect.gen(function* () {
        const dir = yield* scopedTempDir("outbox")
        const file = path.join(dir, "outbox.json")
        const state = makeState()
        const known = makeTask(dir, ["true"])
        const unknown = makeTask(dir, ["true"])
        state.tasks.set(known.taskId, known)
        const port = yield* freePort()
        const outbox = yield* outboxAt(file, port)

        yield* outbox.push(update(unknown.taskId, "running"))
        yield* outbox.push(update(known.taskId, "running"))
        yield* outbox.push(update(known.taskId, "completed", 0))
        expect((yield* outbox.pending).map((u) => u.status)).toEqual(["running", "running", "completed"])
        expect(JSON.parse(fs.readFileSync(file, "utf8"))).toHaveLength(3)
        expect(yield* outbox.unreportedFinal).toEqual([known.taskId])

        yield* serveMiniHost(state, { port })
        yield* eventually(() => state.reports.length === 2)
        expect(state.reports.map((r) => [r.taskId, r.status])).toEqual([
          [known.taskId, "running"],
          [known.taskId, "completed"]
        ])
        // held during the outage, all three went out in one request, naming this runner's node
        expect(state.reportRequests).toBe(1)
        expect(state.reportNodes).toEqual(["r1"])
        yield* eventually(() => fs.readFileSync(file, "utf8").trim() === "[]")
        expect(yield* outbox.pending).toEqual([])
        expect(yield* outbox.unreportedFinal).toEqual([])
      }),
    30_000
  )

  it.scopedLive(
    "a start waits a moment for its end, and both go in one request; a lone start goes alone",
    () =>
      Effect.gen(function* () {
        const dir = yield* scopedTempDir("outbox-gather")
        const state = makeState()
        const quick = makeTask(dir, ["true"])
        const slow = makeTask(dir, ["sleep", "1"])
        state.tasks.set(quick.taskId, quick)
        state.tasks.set(slow.taskId, slow)
        const port = yield* serveMiniHost(state)
        const outbox = yield* outboxAt(path.join(dir, "outbox.json"), port, "300 millis")

        yield* outbox.push(update(quick.taskId, "running"))
        yield* Effect.sleep("20 millis")
        yield* outbox.push(update(quick.taskId, "completed", 0))
        yield* eventually(() => state.reports.length === 2)
        expect(state.reportRequests).toBe(1)

        yield* outbox.push(update(slow.taskId, "running"))
        yield* eventually(() => state.reports.length === 3)
        expect(state.reportRequests).toBe(2)
        expect(state.reports.map((r) => r.status)).toEqual(["running", "completed", "running"])
      }),
    30_000
  )
})
