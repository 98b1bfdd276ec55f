import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { ProcessExecutor } from "../../src/executor/index.js"
import { makeTask, nodeDirs, pidAlive, scopedTempDir } from "../../../../test/kit/index.js"

const setup = Effect.gen(function* () {
  const dir = yield* scopedTempDir("process")
  const { shared, temp, request } = nodeDirs(dir)
  const stateDir = path.join(temp, "process")
  const executor = ProcessExecutor.make({ stateDir, pollInterval: "50 millis" })
  return { dir, shared, temp, stateDir, executor, request }
})

const node = process.execPath
const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "")

/** Whether a process exists (a zombie counts as gone). */
const isRunning = (pid: number) => {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}

/** The parent pid of a process (Linux). */
const parentOf = (pid: number) =>
  Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1])

describe("ProcessExecutor", () => {
  it.scopedLive(
    "writes stdout and stderr to the log files and reports the exit code",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const req = request(
          makeTask([node, "-e", "console.log('hello out'); console.error('hello err'); process.exit(3)"])
        )
        const execution = yield* executor.run(req)
        const result = yield* execution.wait
        expect(result).toMatchObject({ exitCode: 3, oomKilled: false })
        expect(result.signal).toBeUndefined()
        expect(read(req.logs.stdout)).toBe("hello out\n")
        expect(read(req.logs.stderr)).toBe("hello err\n")
        expect(execution.handle.kind).toBe("process")
      }),
    30_000
  )

  it.scopedLive(
    "passes the task env and the HAKURIVER_* variables, in the shared dir",
    () =>
      Effect.gen(function* () {
        const { executor, request, shared, temp } = yield* setup
        const task = makeTask(
          [
            node,
            "-e",
            "const e = process.env; console.log(JSON.stringify({ cwd: process.cwd(), id: e.HAKURIVER_TASK_ID, tmp: e.HAKURIVER_LOCAL_TEMP_DIR, sh: e.HAKURIVER_SHARED_DIR, numa: e.HAKURIVER_TARGET_NUMA_NODE, foo: e.FOO, path: typeof e.PATH }))"
          ],
          { env: { FOO: "bar baz" }, numaNode: 1 }
        )
        const req = request(task)
        const result = yield* Effect.flatMap(executor.run(req), (e) => e.wait)
        expect(result.exitCode).toBe(0)
        expect(JSON.parse(read(req.logs.stdout))).toEqual({
          cwd: fs.realpathSync(shared),
          id: task.taskId,
          tmp: temp,
          sh: shared,
          numa: "1",
          foo: "bar baz",
          path: "string"
        })
      }),
    30_000
  )

  it.scopedLive(
    "shows a task given GPUs only those to CUDA (nvidia-smi's ids), over its own variables; others untouched",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const show = [
          node,
          "-e",
          "console.log(JSON.stringify([process.env.CUDA_VISIBLE_DEVICES ?? null, process.env.CUDA_DEVICE_ORDER ?? null]))"
        ]
        const run = (task: ReturnType<typeof makeTask>) =>
          Effect.gen(function* () {
            const req = request(task)
            expect((yield* Effect.flatMap(executor.run(req), (e) => e.wait)).exitCode).toBe(0)
            return JSON.parse(read(req.logs.stdout))
          })
        expect(
          yield* run(makeTask(show, { gpus: [1, 3], env: { CUDA_VISIBLE_DEVICES: "0,1,2,3" } }))
        ).toEqual(["1,3", "PCI_BUS_ID"])
        expect(yield* run(makeTask(show, { env: { CUDA_VISIBLE_DEVICES: "2" } }))).toEqual(["2", null])
      }),
    30_000
  )

  it.scopedLive(
    "hands shell metacharacters to the program verbatim",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const args = ["$(echo hi)", "a;b", "*", "`id`", "'\"", "x > y", "$HOME", " spaced "]
        const req = request(
          makeTask([node, "-e", "console.log(JSON.stringify(process.argv.slice(1)))", ...args])
        )
        const result = yield* Effect.flatMap(executor.run(req), (e) => e.wait)
        expect(result.exitCode).toBe(0)
        expect(JSON.parse(read(req.logs.stdout))).toEqual(args)
      }),
    30_000
  )

  it.scopedLive(
    "reports a command that cannot start as an exit result with an error",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const req = request(makeTask(["/nonexistent/hakuriver-no-such-program", "x"]))
        const result = yield* Effect.flatMap(executor.run(req), (e) => e.wait)
        expect(result.exitCode).toBe(ProcessExecutor.cannotStartExitCode)
        expect(result.error).toContain("ENOENT")
      }),
    30_000
  )

  it.scopedLive(
    "kill ends the whole process group with SIGKILL",
    () =>
      Effect.gen(function* () {
        const { executor, request, dir } = yield* setup
        const pidFile = path.join(dir, "grandchild.pid")
        const script = `const c = require("child_process").spawn("sleep", ["30"], { stdio: "ignore" }); require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000)`
        const execution = yield* executor.run(request(makeTask([node, "-e", script])))
        while (!fs.existsSync(pidFile)) yield* Effect.sleep("20 millis")
        const grandchild = Number(fs.readFileSync(pidFile, "utf8"))
        yield* execution.kill
        const result = yield* execution.wait
        expect(result).toMatchObject({ exitCode: 137, signal: "SIGKILL" })
        for (let i = 0; i < 100 && pidAlive(grandchild); i++) yield* Effect.sleep("20 millis")
        expect(pidAlive(grandchild)).toBe(false)
      }),
    30_000
  )

  it.scopedLive(
    "pause stops progress and resume continues it",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const req = request(
          makeTask([node, "-e", "let i = 0; setInterval(() => console.log(i++), 20)"], { cores: 2 })
        )
        const execution = yield* executor.run(req)
        while (read(req.logs.stdout).length < 10) yield* Effect.sleep("20 millis")
        yield* execution.pause
        yield* Effect.sleep("100 millis")
        const paused = read(req.logs.stdout).length
        yield* Effect.sleep("300 millis")
        expect(read(req.logs.stdout).length).toBe(paused)
        yield* execution.resume
        for (let i = 0; i < 100 && read(req.logs.stdout).length === paused; i++)
          yield* Effect.sleep("20 millis")
        expect(read(req.logs.stdout).length).toBeGreaterThan(paused)
        yield* execution.kill
        const result = yield* execution.wait
        expect(result.signal).toBe("SIGKILL")
        const again = yield* Effect.exit(execution.pause)
        expect(Exit.isFailure(again)).toBe(true)
      }),
    30_000
  )

  it("warns about limits it does not enforce", () => {
    expect(ProcessExecutor.limitsWarning(makeTask(["true"]))).toBeUndefined()
    expect(ProcessExecutor.limitsWarning(makeTask(["true"], { memoryBytes: 1000, cores: 2 }))).toBe(
      "the process executor enforces no limits: memory, cores not applied"
    )
    expect(ProcessExecutor.limitsWarning(makeTask(["true"], { gpus: [0, 2] }))).toBe(
      "the process executor enforces no limits: GPUs 0,2 only made visible through CUDA_VISIBLE_DEVICES, not isolated"
    )
  })

  it.scopedLive(
    "the pid file is there when run returns (the process and its start time) and gone once it ended",
    () =>
      Effect.gen(function* () {
        const { executor, request, stateDir } = yield* setup
        const task = makeTask([node, "-e", "setTimeout(() => {}, 300)"])
        const execution = yield* executor.run(request(task))
        const file = path.join(stateDir, `${task.taskId}.pid.json`)
        const record = JSON.parse(fs.readFileSync(file, "utf8"))
        const startTime = fs.readFileSync(`/proc/${record.pid}/stat`, "utf8").split(") ")[1]?.split(" ")[19]
        expect(record).toEqual({ taskId: task.taskId, pid: Number(execution.handle.ref), startTime })
        expect(yield* execution.wait).toMatchObject({ exitCode: 0 })
        expect(fs.readdirSync(stateDir)).toEqual([])
      }),
    30_000
  )

  it.scopedLive(
    "log files are made in a missing folder; log files that cannot be opened fail the start with StartFailed",
    () =>
      Effect.gen(function* () {
        const { dir, executor, request } = yield* setup
        const task = makeTask([node, "-e", "console.log('made')"])
        const deep = path.join(dir, "a", "b", "out.log")
        const made = yield* executor.run({ ...request(task), logs: { stdout: deep, stderr: deep } })
        expect(yield* made.wait).toMatchObject({ exitCode: 0 })
        expect(read(deep)).toBe("made\n")

        const blocker = path.join(dir, "plain-file")
        fs.writeFileSync(blocker, "")
        const logs = { stdout: path.join(blocker, "out.log"), stderr: path.join(blocker, "err.log") }
        const refused = yield* Effect.flip(executor.run({ ...request(makeTask(["true"])), logs }))
        expect(refused.reason).toBe("StartFailed")
        expect(refused.detail).toMatch(/^cannot open the log files: ENOTDIR/)
      }),
    30_000
  )

  it.scopedLive(
    "a restarted executor finds a surviving process, can kill it, and reports it lost",
    () =>
      Effect.gen(function* () {
        const { executor, request, stateDir } = yield* setup
        const task = makeTask([node, "-e", "setInterval(() => {}, 1000)"])
        // The first runner's scope stays open: the process outlives that "runner".
        const firstScope = yield* Scope.make()
        yield* Effect.addFinalizer(() => Scope.close(firstScope, Exit.void))
        const first = yield* executor.run(request(task)).pipe(Scope.extend(firstScope))

        const restarted = ProcessExecutor.make({ stateDir, pollInterval: "50 millis" })
        const survivors = yield* restarted.survivors
        expect(survivors).toEqual([{ kind: "process", taskId: task.taskId, ref: first.handle.ref }])
        const recovered = yield* restarted.recover(survivors[0]!, request(task).logs)
        expect(Option.isSome(recovered)).toBe(true)
        const execution = Option.getOrThrow(recovered)
        yield* execution.kill
        const result = yield* execution.wait
        expect(result).toMatchObject({ lost: true, oomKilled: false })
        expect(yield* first.wait).toMatchObject({ signal: "SIGKILL" })
        expect(yield* restarted.survivors).toEqual([])
        expect(Option.isNone(yield* restarted.recover(survivors[0]!, request(task).logs))).toBe(true)
      }),
    30_000
  )

  it.scopedLive(
    "closing the scope kills a task that still runs",
    () =>
      Effect.gen(function* () {
        const { executor, request, stateDir } = yield* setup
        const scope = yield* Scope.make()
        const execution = yield* executor
          .run(request(makeTask([node, "-e", "setInterval(() => {}, 1000)"])))
          .pipe(Scope.extend(scope))
        expect(fs.readdirSync(stateDir)).toHaveLength(1)
        yield* Scope.close(scope, Exit.void)
        expect((yield* execution.wait).signal).toBe("SIGKILL")
        expect(fs.readdirSync(stateDir)).toHaveLength(0)
      }),
    30_000
  )

  it.scopedLive(
    "tasks are forked by a spawn helper, not by the runner; when the helper stops, a running task is lost once it ends and the next task gets a new helper",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const first = yield* executor.run(request(makeTask([node, "-e", "setInterval(() => {}, 1000)"])))
        const pid = Number(first.handle.ref)
        const helper = parentOf(pid)
        expect(helper).not.toBe(process.pid)
        expect(parentOf(helper)).toBe(process.pid)

        // the helper dies: the task runs on, its exit status will be unknown
        process.kill(helper, "SIGKILL")
        yield* Effect.sleep("200 millis")
        expect(isRunning(pid)).toBe(true)
        yield* first.kill
        expect(yield* first.wait).toMatchObject({ lost: true, exitCode: -1 })

        const second = yield* executor.run(
          request(makeTask([node, "-e", "setTimeout(() => process.exit(4), 300)"]))
        )
        const newHelper = parentOf(Number(second.handle.ref))
        expect(newHelper).not.toBe(helper)
        expect(parentOf(newHelper)).toBe(process.pid)
        expect(yield* second.wait).toMatchObject({ exitCode: 4 })
      }),
    30_000
  )
})
