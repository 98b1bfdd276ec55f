/**
 * Integration: the host on a loopback port (SQLite in a temp dir, a token) with two real runner
 * layers from @hakuriver/runner (process executor). Covers the HostApi end to end: auth,
 * validation, multi-target batches, the queue, wait, logs (whole, tail, follow), kill/pause/
 * resume, nodes, health, and the OpenAPI document and reference page.
 */
import { describe, expect, it } from "@effect/vitest"
import { Runner } from "@hakuriver/runner"
import type { TaskId, TaskStatus } from "@hakuriver/sdk"
import * as fs from "node:fs"
import { Effect, Layer } from "effect"
import {
  clientAt,
  eventually,
  spec,
  startHost,
  tempDir,
  testConfig,
  waitAllFinal
} from "./support/harness.js"

const token = "integration-token"
const node = process.execPath

describe("host + two runners", () => {
  it.live(
    "register, heartbeat, run, queue, report, logs, control, health",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const overrides = {
            security: { token },
            runner: { executor: "process", max_cores: 2 },
            timing: { heartbeat_interval: 0.3, heartbeat_timeout_factor: 20, cleanup_check_interval: 0.5 }
          }
          const hostConfig = testConfig(dir, overrides)
          const { url, client } = yield* startHost(hostConfig)
          const port = Number(new URL(url).port)
          for (const name of ["r1", "r2"]) {
            const config = testConfig(dir, {
              ...overrides,
              network: {
                host_port: port,
                host_reachable_address: "127.0.0.1",
                runner_bind_ip: "127.0.0.1",
                runner_address: "127.0.0.1",
                runner_port: 0,
                runner_name: name
              }
            })
            yield* Layer.build(Runner.layer(config)).pipe(Effect.orDie)
          }
          const nodes = yield* eventually(
            client.cluster.nodes(),
            (ns) => ns.filter((n) => n.status === "online").length === 2
          )
          expect(nodes.map((n) => n.name)).toEqual(["r1", "r2"])

          // auth: no token → 401 (Unauthorized), the docs are public
          const anonymous = yield* clientAt(url)
          const refused = yield* Effect.flip(anonymous.cluster.nodes())
          expect(refused._tag).toBe("Unauthorized")
          const openapi = yield* Effect.promise(() => fetch(`${url}/openapi.json`).then((r) => r.json()))
          expect(Object.keys((openapi as { paths: object }).paths)).toContain("/tasks/wait")
          // the reference page is built on its first request, and served again as built
          const docs = () =>
            Effect.promise(() =>
              fetch(`${url}/docs`).then(async (r) => ({ status: r.status, html: await r.text() }))
            )
          const page = yield* docs()
          expect(page.status).toBe(200)
          expect(page.html).toContain('id="api-reference"')
          expect(page.html).toContain('"/tasks/wait"')
          expect(page.html.length).toBeGreaterThan(1_000_000)
          expect(yield* docs()).toEqual(page)

          // validation: every refusal explains itself
          const bad = (fields: Record<string, unknown>) =>
            Effect.flip(client.tasks.submit({ payload: spec(["true"], { container: "NULL", ...fields }) }))
          expect((yield* bad({ targets: ["nope"] })).message).toMatch(/unknown node "nope"/)
          expect((yield* bad({ targets: ["r1:7"] })).message).toMatch(/NUMA node 7 is not on node "r1"/)
          expect((yield* bad({ targets: ["r1::0"] })).message).toMatch(/GPU/)
          expect((yield* bad({ targets: ["r1"], cores: 64 })).message).toMatch(
            /64 cores requested but node "r1" has only 2/
          )

          // multi-target: one task per valid target, one batch, failed targets named
          const batch = yield* client.tasks.submit({
            payload: spec([node, "-e", "console.log('hello ' + process.env.HAKURIVER_TASK_ID)"], {
              container: "NULL",
              targets: ["r1", "r2", "ghost"]
            })
          })
          expect(batch.taskIds).toHaveLength(2)
          expect(batch.failedTargets).toEqual([{ target: "ghost", reason: 'unknown node "ghost"' }])
          const batchDone = yield* waitAllFinal(client, batch.taskIds)
          expect(batchDone.map((t) => [t.status, t.exitCode, t.node])).toEqual([
            ["completed", 0, "r1"],
            ["completed", 0, "r2"]
          ])
          const listed = yield* client.tasks.list({ urlParams: { batch: batch.batchId } })
          expect(listed.map((t) => t.taskId).sort()).toEqual([...batch.taskIds].sort())
          const first = batchDone[0]
          if (first === undefined) return yield* Effect.dieMessage("no task")
          const whole = yield* client.tasks.logs({
            path: { id: first.taskId },
            urlParams: { stream: "stdout" }
          })
          expect(whole).toMatchObject({ data: `hello ${first.taskId}\n`, done: true })

          // logs: follow a running task from an offset, then its tail
          const chatty = yield* client.tasks.submit({
            payload: spec(
              [
                node,
                "-e",
                "let i = 0; const t = setInterval(() => { console.log('line ' + ++i); if (i === 5) clearInterval(t) }, 150)"
              ],
              { container: "NULL", targets: ["r1"] }
            )
          })
          const chattyId = chattyId0(chatty.taskIds)
          let offset = 0
          let text = ""
          for (let round = 0; round < 200; round++) {
            const chunk = yield* client.tasks.logs({
              path: { id: chattyId },
              urlParams: { stream: "stdout", offset, waitMs: 2000 }
            })
            text += chunk.data
            offset = chunk.offset
            if (chunk.done) break
          }
          expect(text).toBe("line 1\nline 2\nline 3\nline 4\nline 5\n")
          const tail = yield* client.tasks.logs({
            path: { id: chattyId },
            urlParams: { stream: "stdout", tail: 2 }
          })
          expect(tail.data).toBe("line 4\nline 5\n")

          // queue: r1 has 2 cores; a 2-core task waits behind another, and a pending task is cancelled at once
          const blocker = yield* client.tasks.submit({
            payload: spec([node, "-e", "setInterval(() => {}, 1000)"], {
              container: "NULL",
              cores: 2,
              targets: ["r1"]
            })
          })
          const blockerId = chattyId0(blocker.taskIds)
          yield* eventually(client.tasks.get({ path: { id: blockerId } }), (t) => t.status === "running")
          const waiting = yield* client.tasks.submit({
            payload: spec(["true"], { container: "NULL", cores: 2, targets: ["r1"] })
          })
          const waitingId = chattyId0(waiting.taskIds)
          const cancelled = yield* client.tasks.kill({ path: { id: waitingId } })
          expect(cancelled.status).toBe("killed")
          const queued = yield* client.tasks.submit({
            payload: spec(["true"], { container: "NULL", cores: 2, targets: ["r1"] })
          })
          const queuedId = chattyId0(queued.taskIds)
          expect((yield* client.tasks.get({ path: { id: queuedId } })).status).toBe("pending")

          // wait: answers at once when a status differs from what the caller knows, else at the change
          const known = { [blockerId]: "running" as TaskStatus, [queuedId]: "pending" as TaskStatus }
          const timedOut = yield* client.tasks.wait({
            payload: { taskIds: [blockerId, queuedId], known, timeoutMs: 300 }
          })
          expect(timedOut.map((t) => t.status)).toEqual(["running", "pending"])

          // pause / resume / kill are forwarded to the runner
          expect((yield* client.tasks.pause({ path: { id: blockerId } })).status).toBe("paused")
          const health = yield* client.cluster.health({ urlParams: {} })
          expect(health.aggregate).toMatchObject({
            nodesOnline: 2,
            nodesTotal: 2,
            cores: 4,
            coresAllocated: 2,
            tasksPending: 1
          })
          expect(health.nodes.find((n) => n.name === "r1")?.allocated).toMatchObject({ cores: 2, tasks: 1 })
          expect((yield* client.tasks.resume({ path: { id: blockerId } })).status).toBe("running")
          const started = Date.now()
          const woken = Effect.fork(
            client.tasks.wait({ payload: { taskIds: [blockerId, queuedId], known, timeoutMs: 20_000 } })
          )
          const waiter = yield* woken
          const killed = yield* client.tasks.kill({ path: { id: blockerId } })
          expect(killed.status).toBe("killed")
          const changed = yield* waiter.await.pipe(Effect.flatten)
          expect(Date.now() - started).toBeLessThan(15_000)
          expect(changed.find((t) => t.taskId === blockerId)?.status).toBe("killed")
          // the freed cores go to the queued task
          const [ran] = yield* waitAllFinal(client, [queuedId])
          expect(ran).toMatchObject({ status: "completed", node: "r1" })
          const conflict = yield* Effect.flip(client.tasks.kill({ path: { id: queuedId } }))
          expect(conflict._tag).toBe("Conflict")
          expect(fs.existsSync(ran?.stdoutPath ?? "")).toBe(true)
        })
      ),
    90_000
  )
})

const chattyId0 = (ids: ReadonlyArray<TaskId>): TaskId => {
  const id = ids[0]
  if (id === undefined) throw new Error("no task id")
  return id
}
