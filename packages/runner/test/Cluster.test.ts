/**
 * Integration: the real host (`Host.layer`, SQLite in a temp dir) and two runner layers on
 * loopback ports with a token; tasks submitted to the host run on the runners (process
 * executor) and their outcomes reach the host.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { TaskSpec } from "@hakuriver/sdk"
import { Effect, Layer, Schema } from "effect"
import { Runner } from "../src/index.js"
import { configOf, hostClient, startHost, tempDir, waitFinal } from "./cluster.js"

const node = process.execPath

const spec = (command: ReadonlyArray<string>, targets: ReadonlyArray<string>) =>
  Schema.decodeUnknownSync(TaskSpec)({ command, targets, container: "NULL" })

describe("host + 2 runners", () => {
  it.scopedLive(
    "register, heartbeat, run tasks and report their outcome",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const port = yield* startHost(dir)
        for (const name of ["r1", "r2"]) {
          yield* Layer.build(Runner.layer(configOf(dir, { host_port: port, runner_name: name })))
        }
        const client = yield* hostClient(port)
        const deadline = Date.now() + 20_000
        while ((yield* client.cluster.nodes()).filter((n) => n.status === "online").length < 2) {
          if (Date.now() > deadline) throw new Error("runners did not come online")
          yield* Effect.sleep("100 millis")
        }
        const nodes = yield* client.cluster.nodes()
        expect(nodes.map((n) => n.name).sort()).toEqual(["r1", "r2"])
        for (const n of nodes) {
          expect(n.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
          expect(n.executors).toContain("process")
        }

        const submitted = yield* client.tasks.submit({
          payload: spec(
            [node, "-e", "console.log(process.env.HAKURIVER_TASK_ID + ' ' + process.argv[1])", "a;b $(x)"],
            ["r1", "r2"]
          )
        })
        expect(submitted.taskIds).toHaveLength(2)
        const done = yield* waitFinal(client, submitted.taskIds)
        for (const task of done) {
          expect(task.status).toBe("completed")
          expect(task.exitCode).toBe(0)
          expect(task.error).toBeNull()
          expect(task.startedAt).not.toBeNull()
          expect(fs.readFileSync(task.stdoutPath, "utf8")).toBe(`${task.taskId} a;b $(x)\n`)
          expect(path.dirname(task.stdoutPath)).toBe(path.join(dir, "shared", "task_outputs"))
        }
        expect(done.map((t) => t.node).sort()).toEqual(["r1", "r2"])

        const failing = yield* client.tasks.submit({
          payload: spec([node, "-e", "process.exit(7)"], ["r2"])
        })
        const [failed] = yield* waitFinal(client, failing.taskIds)
        expect(failed).toMatchObject({ status: "failed", exitCode: 7 })

        const long = yield* client.tasks.submit({
          payload: spec([node, "-e", "setInterval(() => {}, 1000)"], ["r1"])
        })
        const id = long.taskIds[0]!
        while ((yield* client.tasks.get({ path: { id } })).status !== "running")
          yield* Effect.sleep("50 millis")
        yield* client.tasks.pause({ path: { id } })
        while ((yield* client.tasks.get({ path: { id } })).status !== "paused")
          yield* Effect.sleep("50 millis")
        yield* client.tasks.resume({ path: { id } })
        while ((yield* client.tasks.get({ path: { id } })).status !== "running")
          yield* Effect.sleep("50 millis")
        yield* client.tasks.kill({ path: { id } })
        const [killed] = yield* waitFinal(client, [id])
        expect(killed?.status).toBe("killed")
      }),
    60_000
  )
})
