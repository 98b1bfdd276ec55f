/**
 * Restart: the host runs as a child process (`fixtures/host-main.ts`) with a real runner layer in
 * this process; the host is SIGKILLed mid-run and started again on the same database.
 */
import { describe, expect, it } from "@effect/vitest"
import { Runner } from "@hakuriver/runner"
import type { TaskId } from "@hakuriver/sdk"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Layer, Schedule } from "effect"
import { clientAt, eventually, getTasks, spec, tempDir, testConfig, waitAllFinal } from "./support/harness.js"
import { fixtureProcess, freePort, sigkill, writeConfig } from "./support/processes.js"

describe("host restart", () => {
  it.live(
    "SIGKILL mid-run and restart on the same database: statuses kept, running tasks finish, nothing lost or doubled",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir
          const port = yield* freePort
          const raw = {
            network: {
              host_bind_ip: "127.0.0.1",
              host_port: port,
              runner_bind_ip: "127.0.0.1",
              runner_address: "127.0.0.1",
              runner_port: 0,
              runner_name: "node1"
            },
            paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
            database: { db_file: path.join(dir, "host.db") },
            timing: { heartbeat_interval: 0.3, heartbeat_timeout_factor: 10, cleanup_check_interval: 0.3 },
            runner: { executor: "process", max_cores: 1 }
          }
          const configFile = yield* writeConfig(dir, "host", raw)
          const url = `http://127.0.0.1:${port}`
          const client = yield* clientAt(url)
          const ready = client.cluster
            .ping()
            .pipe(Effect.retry(Schedule.spaced("100 millis")), Effect.timeout("90 seconds"), Effect.orDie)

          const first = yield* fixtureProcess("host-main.ts", configFile)
          yield* ready
          yield* Layer.build(Runner.layer(testConfig(dir, raw))).pipe(Effect.orDie)
          yield* eventually(client.cluster.nodes(), (ns) => ns.some((n) => n.status === "online"), 60_000)

          // every task notes its start in `runs`; the long ones then wait for the gate
          const runs = path.join(dir, "shared", "runs")
          const gate = path.join(dir, "gate")
          const noting = (waitForGate: boolean) => [
            "sh",
            "-c",
            `echo "$HAKURIVER_TASK_ID" >> "$1"; ${waitForGate ? 'while [ ! -e "$2" ]; do sleep 0.05; done' : "true"}`,
            "task",
            runs,
            gate
          ]
          const submit = (command: ReadonlyArray<string>, cores: number) =>
            Effect.map(
              client.tasks.submit({
                payload: spec(command, { cores, targets: ["node1"], container: "NULL" })
              }),
              (r) => r.taskIds[0] as TaskId
            )
          // node1 offers 1 core: the two long tasks hold 0.5, the queued one needs 0.75
          const quick = yield* submit(noting(false), 0.25)
          yield* waitAllFinal(client, [quick])
          const long1 = yield* submit(noting(true), 0.25)
          const long2 = yield* submit(noting(true), 0.25)
          const queued = yield* submit(noting(false), 0.75)
          const all = [quick, long1, long2, queued]
          const expected = ["completed", "running", "running", "pending"]
          const before = yield* eventually(
            getTasks(client, all),
            (ts) => ts.map((t) => t.status).join() === expected.join()
          )

          yield* sigkill(first)
          yield* fixtureProcess("host-main.ts", configFile)
          yield* ready
          const after = yield* getTasks(client, all)
          expect(after.map((t) => t.status)).toEqual(expected)
          expect(after.map((t) => t.startedAt)).toEqual(before.map((t) => t.startedAt))
          fs.writeFileSync(gate, "")

          const done = yield* waitAllFinal(client, all, 60_000)
          expect(done.map((t) => [t.status, t.exitCode])).toEqual(all.map(() => ["completed", 0]))
          const listed = yield* client.tasks.list({ urlParams: {} })
          expect(listed.map((t) => t.taskId).sort()).toEqual([...all].sort())
          // each ran exactly once
          const started = fs.readFileSync(runs, "utf8").trim().split("\n").sort()
          expect(started).toEqual([...all].sort())
          // ids keep increasing across the restart
          const later = yield* submit(["true"], 0.25)
          expect(BigInt(later) > BigInt(queued)).toBe(true)
          yield* waitAllFinal(client, [later])
        })
      ),
    240_000
  )
})
