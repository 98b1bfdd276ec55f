import { describe, expect, it } from "@effect/vitest"
import type { TaskId } from "@hakuriver/sdk"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Schedule } from "effect"
import { clientAt, eventually, getTasks, spec, tempDir, waitAllFinal } from "./support/harness.js"
import * as TestRunner from "./support/TestRunner.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const hostMain = fileURLToPath(new URL("./fixtures/host-main.ts", import.meta.url))

const freePort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Starts the host as a child process; SIGKILLed when the scope closes (if still alive). */
const hostProcess = (configFile: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", "tsx", hostMain, configFile], {
        cwd: root,
        stdio: ["ignore", "ignore", "inherit"]
      })
    ),
    (child) => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL"))
  )

const sigkill = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

describe("host restart", () => {
  it.live(
    "SIGKILL mid-run and restart on the same database: statuses kept, running tasks finish, nothing lost or doubled",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const port = yield* freePort
          const configFile = path.join(dir, "config.json")
          fs.writeFileSync(
            configFile,
            JSON.stringify({
              network: { host_bind_ip: "127.0.0.1", host_port: port },
              paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
              database: { db_file: path.join(dir, "host.db") },
              timing: { heartbeat_interval: 0.2, heartbeat_timeout_factor: 10, cleanup_check_interval: 0.2 },
              docker: { default_container_name: "test-env" }
            })
          )
          const url = `http://127.0.0.1:${port}`
          const client = yield* clientAt(url)
          const ready = client.cluster
            .ping()
            .pipe(Effect.retry(Schedule.spaced("100 millis")), Effect.timeout("60 seconds"))

          const first = yield* hostProcess(configFile)
          yield* ready
          const runner = yield* TestRunner.make({ name: "node1", hostUrl: url, cores: 3 })
          const submit = (command: ReadonlyArray<string>, cores: number) =>
            Effect.map(
              client.tasks.submit({ payload: spec(command, { cores, targets: ["node1"] }) }),
              (r) => r.taskIds[0] as TaskId
            )
          const quick = yield* submit(["sleep", "0.1"], 1)
          yield* waitAllFinal(client, [quick])
          // the long tasks run until the test opens the gate (after the restart was checked)
          const gate = path.join(dir, "gate")
          const gated = ["sh", "-c", 'while [ ! -e "$1" ]; do sleep 0.05; done', "gated", gate]
          const long1 = yield* submit(gated, 1)
          const long2 = yield* submit(gated, 1)
          const queued = yield* submit(["sleep", "0.2"], 2)
          const all = [quick, long1, long2, queued]
          const before = yield* eventually(
            getTasks(client, all),
            (ts) => ts.filter((t) => t.status === "running").length === 2
          )
          expect(before.map((t) => t.status)).toEqual(["completed", "running", "running", "pending"])

          yield* sigkill(first)
          yield* Effect.sleep("300 millis")
          yield* hostProcess(configFile)
          yield* ready
          const after = yield* getTasks(client, all)
          expect(after.map((t) => t.status)).toEqual(["completed", "running", "running", "pending"])
          expect(after.map((t) => t.startedAt)).toEqual(before.map((t) => t.startedAt))
          fs.writeFileSync(gate, "")

          const done = yield* waitAllFinal(client, all, 30_000)
          expect(done.map((t) => t.status)).toEqual(["completed", "completed", "completed", "completed"])
          expect(done.map((t) => t.exitCode)).toEqual([0, 0, 0, 0])
          const listed = yield* client.tasks.list({ urlParams: {} })
          expect(listed.map((t) => t.taskId).sort()).toEqual([...all].sort())
          expect(all.map((id) => runner.starts.get(id))).toEqual([1, 1, 1, 1])
          // ids keep increasing across the restart
          const later = yield* submit(["true"], 1)
          expect(BigInt(later) > BigInt(queued)).toBe(true)
          yield* waitAllFinal(client, [later])
        })
      ),
    150_000
  )
})
