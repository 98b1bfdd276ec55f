/**
 * Systemd tier: boots the Debian systemd image with `/sbin/init` and runs `NULL` tasks through
 * the systemd executor inside it, checking what systemd itself reports of the scope. Fails in CI
 * when Docker or the image is missing; skips elsewhere.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import { TaskSpec } from "@hakuriver/sdk"
import { Duration, Effect, Schedule, Schema } from "effect"
import { configOf, hostClient, startHost, waitFinal } from "./cluster.js"
import { missingPrerequisite, SystemdContainer, SystemdContainerLive } from "./systemdContainer.js"
import { startFixture } from "./systemdFixture.js"
import { startRunnerInContainer } from "./systemdRunner.js"

const missing = missingPrerequisite()
const inCi = process.env["CI"] === "true"

describe.runIf(missing !== undefined && inCi)("systemd tier prerequisites", () => {
  it("has Docker and the systemd image in CI", () => {
    expect.fail(`systemd tests cannot run: ${missing}`)
  })
})

/** The properties systemd reports for a unit. */
const show = (unit: string, properties: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const container = yield* SystemdContainer
    const out = yield* container.exec(["systemctl", "show", unit, ...properties.flatMap((p) => ["-p", p])])
    return Object.fromEntries(
      out
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])
    )
  })

/**
 * Sends `kill` to the fixture and waits for `killed` (kill returned) and `exited` (the task ended),
 * which may come in either order; returns the task's result.
 */
const killAndEnd = (fixture: Effect.Effect.Success<ReturnType<typeof startFixture>>) =>
  Effect.gen(function* () {
    yield* fixture.send("kill")
    const ends = [yield* fixture.nextEvent(), yield* fixture.nextEvent()]
    expect(ends.map((e) => e.event).sort()).toEqual(["exited", "killed"])
    return ends.find((e) => e.event === "exited")?.result
  })

/** The `ps` state letters of the container's processes whose command line contains `marker`. */
const statesOf = (marker: string) =>
  Effect.gen(function* () {
    const container = yield* SystemdContainer
    const out = yield* container.exec(["ps", "-eo", "stat=,args="])
    return out
      .split("\n")
      .map((l) => l.trim())
      .map((l) => /^(\S+)\s+(.*)$/.exec(l))
      .filter((m) => m !== null && /^\S*sh -c /.test(m[2] ?? "") && (m[2] ?? "").includes(marker))
      .map((m) => m?.[1]?.slice(0, 1) ?? "?")
  })

const readCounter = (file: string) =>
  Effect.sync(() => {
    try {
      return Number(fs.readFileSync(file, "utf8").trim() || "0")
    } catch {
      return 0
    }
  })

/** Retries a check until `ok` holds (systemd and the kernel act asynchronously); `what` explains a failure. */
const eventually = <A, E, R>(
  what: string | (() => string),
  check: Effect.Effect<A, E, R>,
  ok: (a: A) => boolean,
  within: Duration.DurationInput = "10 seconds"
) =>
  check.pipe(
    Effect.filterOrFail(
      ok,
      (a) => new Error(`${typeof what === "string" ? what : what()}: last saw ${JSON.stringify(a)}`)
    ),
    Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo(within)))
  )

let nextTaskId = 7_000_000 + (process.pid % 1000) * 1000

describe.skipIf(missing !== undefined)("systemd executor in a booted systemd container", () => {
  layer(SystemdContainerLive, { timeout: Duration.seconds(120), excludeTestServices: true })((it) => {
    it.scoped(
      "runs a NULL task with --cores 1 --memory 100M: limits on the scope, pause, resume, kill",
      () =>
        Effect.gen(function* () {
          const container = yield* SystemdContainer
          const taskId = String(nextTaskId++)
          const marker = `hakuriver-marker-${taskId}`
          const counter = path.join(container.sharedDir, `${taskId}.counter`)
          const fixture = yield* startFixture(container.name, {
            taskId,
            // a loop that counts, so a pause shows as a counter that stands still
            command: [
              "sh",
              "-c",
              `echo "id=$HAKURIVER_TASK_ID greeting=$GREETING"; i=0; while true; do i=$((i+1)); echo $i > ${counter}; sleep 0.1; done # ${marker}`
            ],
            cores: 1,
            memoryBytes: 100_000_000,
            env: { GREETING: "hello world" },
            sharedDir: container.sharedDir
          })
          const started = yield* fixture.expectEvent("started")
          const unit = `hakuriver-task-${taskId}.scope`
          expect(started.unit).toBe(unit)

          const props = yield* show(unit, ["CPUQuotaPerSecUSec", "MemoryMax", "ActiveState"])
          expect(props).toMatchObject({
            CPUQuotaPerSecUSec: "1s",
            MemoryMax: "100000000",
            ActiveState: "active"
          })

          // pause: every process of the task is stopped (T) and the counter stands still
          yield* eventually("the task counts", readCounter(counter), (n) => n > 0)
          yield* fixture.send("pause")
          yield* fixture.expectEvent("paused")
          yield* eventually(
            "the task's processes are stopped",
            statesOf(marker),
            // a shell waiting in vfork() for a stopped child shows D: stopped all the same
            (s) => s.includes("T") && s.every((c) => c === "T" || c === "D")
          )
          const atPause = yield* readCounter(counter)
          yield* Effect.sleep("600 millis")
          expect(yield* readCounter(counter)).toBeLessThanOrEqual(atPause + 1)

          // resume: it runs again and counts on
          yield* fixture.send("resume")
          yield* fixture.expectEvent("resumed")
          expect((yield* statesOf(marker)).every((c) => c !== "T")).toBe(true)
          const atResume = yield* readCounter(counter)
          yield* eventually("the task counts on", readCounter(counter), (n) => n > atResume + 2)

          // kill: the task ends by the stop signal and the unit is gone
          expect(yield* killAndEnd(fixture)).toMatchObject({
            signal: "SIGTERM",
            exitCode: 143,
            oomKilled: false
          })
          yield* eventually(
            "the unit is gone",
            show(unit, ["LoadState"]),
            (p) => p["LoadState"] === "not-found"
          )
          expect(yield* statesOf(marker)).toEqual([])

          const out = fs.readFileSync(path.join(container.sharedDir, "task_outputs", `${taskId}.out`), "utf8")
          expect(out).toContain(`id=${taskId} greeting=hello world`)
        }),
      { timeout: 90_000 }
    )

    it.scoped(
      "the runner inside runs a NULL task with --cores 1 --memory 100M under systemd; host kill/pause/resume reach it; OOM ends killed_oom",
      () =>
        Effect.gen(function* () {
          const container = yield* SystemdContainer
          // the host in this process, the runner in the container: they meet on the shared loopback
          const dir = path.join(container.sharedDir, "cluster")
          const port = yield* startHost(dir)
          const runnerConfig = configOf(
            dir,
            { host_port: port, runner_name: "systemd-node" },
            {
              runner: { executor: "systemd" },
              paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: "/tmp/hakuriver-runner" }
            }
          )
          const runner = yield* startRunnerInContainer(
            container.name,
            runnerConfig,
            path.join(dir, "runner.json")
          )
          const client = yield* hostClient(port)
          yield* eventually(
            () => `the runner registers (runner output: ${runner.output.join("\n")})`,
            client.cluster.nodes(),
            (nodes) => nodes.some((n) => n.name === "systemd-node" && n.status === "online"),
            "60 seconds"
          )
          const node = (yield* client.cluster.nodes()).find((n) => n.name === "systemd-node")
          expect(node?.executors).toContain("systemd")

          const counter = path.join(container.sharedDir, "runner-task.counter")
          const marker = `hakuriver-marker-runner-${process.pid}`
          const submitted = yield* client.tasks.submit({
            payload: Schema.decodeUnknownSync(TaskSpec)({
              command: [
                "sh",
                "-c",
                `echo "task $HAKURIVER_TASK_ID"; i=0; while true; do i=$((i+1)); echo $i > ${counter}; sleep 0.1; done # ${marker}`
              ],
              cores: 1,
              memoryBytes: 100_000_000,
              container: "NULL",
              targets: ["systemd-node"]
            })
          })
          const id = submitted.taskIds[0]
          if (id === undefined) return expect.fail("no task id")
          const status = client.tasks.get({ path: { id } }).pipe(Effect.map((t) => t.status))
          yield* eventually("the task runs", status, (s) => s === "running")
          const unit = `hakuriver-task-${id}.scope`
          const props = yield* show(unit, ["CPUQuotaPerSecUSec", "MemoryMax", "ActiveState"])
          expect(props).toMatchObject({
            CPUQuotaPerSecUSec: "1s",
            MemoryMax: "100000000",
            ActiveState: "active"
          })

          yield* client.tasks.pause({ path: { id } })
          yield* eventually("the host says paused", status, (s) => s === "paused")
          yield* eventually(
            "the task's processes are stopped",
            statesOf(marker),
            (s) => s.includes("T") && s.every((c) => c === "T" || c === "D")
          )
          yield* client.tasks.resume({ path: { id } })
          yield* eventually("the host says running", status, (s) => s === "running")
          const atResume = yield* readCounter(counter)
          yield* eventually("the task counts on", readCounter(counter), (n) => n > atResume + 2)

          yield* client.tasks.kill({ path: { id } })
          const [killed] = yield* waitFinal(client, [id])
          expect(killed?.status).toBe("killed")
          yield* eventually(
            "the unit is gone",
            show(unit, ["LoadState"]),
            (p) => p["LoadState"] === "not-found"
          )
          expect(yield* statesOf(marker)).toEqual([])
          expect(fs.readFileSync(killed?.stdoutPath ?? "", "utf8")).toContain(`task ${id}`)

          // a task over its memory limit ends killed_oom
          const hungry = yield* client.tasks.submit({
            payload: Schema.decodeUnknownSync(TaskSpec)({
              command: ["sh", "-c", 'x="$(head -c 200000000 /dev/zero | tr "\\0" a)"; echo survived'],
              memoryBytes: 30_000_000,
              container: "NULL",
              targets: ["systemd-node"]
            })
          })
          const [oom] = yield* waitFinal(client, hungry.taskIds)
          expect(oom?.status).toBe("killed_oom")
        }),
      { timeout: 120_000 }
    )

    it.scoped(
      "re-attaches to a task that outlived the runner: pause, resume and kill it, outcome marked lost",
      () =>
        Effect.gen(function* () {
          const container = yield* SystemdContainer
          const taskId = String(nextTaskId++)
          const marker = `hakuriver-marker-${taskId}`
          const counter = path.join(container.sharedDir, `${taskId}.counter`)
          const task = {
            taskId,
            command: [
              "sh",
              "-c",
              `i=0; while true; do i=$((i+1)); echo $i > ${counter}; sleep 0.1; done # ${marker}`
            ],
            cores: 1,
            memoryBytes: 100_000_000,
            env: {},
            sharedDir: container.sharedDir
          }
          const first = yield* startFixture(container.name, task)
          const started = yield* first.expectEvent("started")
          // the runner dies without any cleanup
          yield* container.exec(["kill", "-KILL", String(started.pid)])
          yield* first.expectEvent("fixture-exit")
          const unit = `hakuriver-task-${taskId}.scope`
          expect(yield* show(unit, ["ActiveState"])).toMatchObject({ ActiveState: "active" })
          const before = yield* readCounter(counter)
          yield* eventually("the orphaned task counts on", readCounter(counter), (n) => n > before + 2)

          const second = yield* startFixture(container.name, { ...task, mode: "recover" })
          expect((yield* second.expectEvent("survivors")).units).toContain(unit)
          expect((yield* second.expectEvent("started")).unit).toBe(unit)
          yield* second.send("pause")
          yield* second.expectEvent("paused")
          yield* eventually(
            "the recovered task's processes are stopped",
            statesOf(marker),
            (s) => s.includes("T") && s.every((c) => c === "T" || c === "D")
          )
          yield* second.send("resume")
          yield* second.expectEvent("resumed")
          const atResume = yield* readCounter(counter)
          yield* eventually("the recovered task counts on", readCounter(counter), (n) => n > atResume + 2)
          expect(yield* killAndEnd(second)).toMatchObject({
            exitCode: -1,
            lost: true,
            oomKilled: false
          })
          yield* eventually(
            "the unit is gone",
            show(unit, ["LoadState"]),
            (p) => p["LoadState"] === "not-found"
          )
        }),
      { timeout: 90_000 }
    )

    it.scoped(
      "reports the task's own exit code",
      () =>
        Effect.gen(function* () {
          const container = yield* SystemdContainer
          const taskId = String(nextTaskId++)
          const fixture = yield* startFixture(container.name, {
            taskId,
            command: ["sh", "-c", "echo to-err >&2; exit 7"],
            cores: 0.5,
            memoryBytes: null,
            env: {},
            sharedDir: container.sharedDir
          })
          yield* fixture.expectEvent("started")
          const exited = yield* fixture.expectEvent("exited")
          expect(exited.result).toMatchObject({ exitCode: 7, oomKilled: false })
          const err = fs.readFileSync(path.join(container.sharedDir, "task_outputs", `${taskId}.err`), "utf8")
          expect(err).toContain("to-err")
        }),
      { timeout: 60_000 }
    )
  })
})
