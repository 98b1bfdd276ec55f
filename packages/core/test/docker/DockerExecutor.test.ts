import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schedule, Scope } from "effect"
import { DockerExecutor, type ExecutorError } from "../../src/executor/index.js"
import { describeDocker, inspectContainer, makeTask, suiteEnvImage, uniqueEnv } from "./dockerKit.js"
import { nodeDirs, scopedTempDir } from "../../../../test/kit/index.js"

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "")

/** Polls until `check` holds (at most ~20 s). */
const eventually = <A>(effect: Effect.Effect<A>, check: (a: A) => boolean) =>
  effect.pipe(
    Effect.filterOrFail(check, () => "not yet"),
    Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.intersect(Schedule.recurs(200)))),
    Effect.orDie
  )

describeDocker("DockerExecutor (real engine)", () => {
  const env = suiteEnvImage("exec")

  const setup = Effect.gen(function* () {
    const root = yield* scopedTempDir("docker-exec")
    const dirs = nodeDirs(root)
    const executor = yield* DockerExecutor.make({ tarballDir: dirs.tarballs })
    return { ...dirs, executor }
  })

  it.scopedLive(
    "runs a task: output in its log files, env vars, exit code; the container is removed",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        expect(yield* executor.available).toBe(true)
        const task = makeTask(
          [
            "sh",
            "-c",
            'echo "out:$GREETING"; echo "to stderr" >&2; echo "$HAKURIVER_TASK_ID|$HAKURIVER_SHARED_DIR|$HAKURIVER_LOCAL_TEMP_DIR|$HAKURIVER_TARGET_NUMA_NODE|$(pwd)"; cat /marker; exit 3'
          ],
          { container: env, env: { GREETING: "hello world" } }
        )
        const req = request(task)
        const scope = yield* Scope.make()
        const execution = yield* executor.run(req).pipe(Scope.extend(scope))
        const result = yield* execution.wait
        expect(result.exitCode).toBe(3)
        expect(result.oomKilled).toBe(false)
        expect(read(req.logs.stdout)).toBe(
          `out:hello world\n${task.taskId}|/shared|/local_temp||/shared\n${env}\n`
        )
        expect(read(req.logs.stderr)).toBe("to stderr\n")
        const info = yield* inspectContainer(execution.handle.ref)
        expect(info?.Config.Labels["hakuriver.task_id"]).toBe(task.taskId)
        expect(info?.Config.Labels["hakuriver.managed"]).toBe("true")
        expect(info?.HostConfig.NetworkMode).toBe("host")
        yield* Scope.close(scope, Exit.void)
        expect(yield* inspectContainer(execution.handle.ref)).toBeUndefined()
      }),
    30_000
  )

  it.scopedLive(
    "mounts the shared and temp dirs; the task writes into them",
    () =>
      Effect.gen(function* () {
        const { executor, request, shared, temp } = yield* setup
        const task = makeTask(["sh", "-c", "echo s > /shared/from-task && echo t > /local_temp/from-task"], {
          container: env
        })
        const execution = yield* executor.run(request(task))
        expect((yield* execution.wait).exitCode).toBe(0)
        expect(read(path.join(shared, "from-task"))).toBe("s\n")
        expect(read(path.join(temp, "from-task"))).toBe("t\n")
      }),
    30_000
  )

  it.scopedLive(
    "a 20M memory limit ends a task allocating 200M as OOM-killed",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const task = makeTask(["sh", "-c", "head -c 200000000 /dev/zero | tail"], {
          container: env,
          memoryBytes: 20_000_000
        })
        const execution = yield* executor.run(request(task))
        const info = yield* inspectContainer(execution.handle.ref)
        expect(info?.HostConfig.Memory).toBe(20_000_000)
        expect(info?.HostConfig.MemorySwap).toBe(20_000_000)
        const result = yield* execution.wait
        expect(result.oomKilled).toBe(true)
        expect(result.exitCode).not.toBe(0)
      }),
    30_000
  )

  it.scopedLive(
    "cores set NanoCpus and a NUMA cpuset sets CpusetCpus/CpusetMems",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const task = makeTask(["sleep", "30"], { container: env, cores: 1, numaNode: 0 })
        const execution = yield* executor.run({ ...request(task), cpuset: { cpus: [0], mems: [0] } })
        const info = yield* inspectContainer(execution.handle.ref)
        expect(info?.State.Running).toBe(true)
        expect(info?.HostConfig.NanoCpus).toBe(1e9)
        expect(info?.HostConfig.CpusetCpus).toBe("0")
        expect(info?.HostConfig.CpusetMems).toBe("0")
        expect(info?.Config.Env).toContain("HAKURIVER_TARGET_NUMA_NODE=0")
        yield* execution.kill
      }),
    30_000
  )

  it.scopedLive(
    "pause freezes the container, resume continues it",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const task = makeTask(
          ["sh", "-c", "i=0; while [ $i -lt 20 ]; do echo $i; i=$((i+1)); sleep 0.1; done"],
          { container: env }
        )
        const req = request(task)
        const execution = yield* executor.run(req)
        yield* eventually(
          Effect.sync(() => read(req.logs.stdout)),
          (s) => s.includes("2\n")
        )
        yield* execution.pause
        const paused = yield* inspectContainer(execution.handle.ref)
        expect(paused?.State.Paused).toBe(true)
        // Output printed just before the pause may still be on its way to the file.
        yield* Effect.sleep("300 millis")
        const before = read(req.logs.stdout)
        yield* Effect.sleep("600 millis")
        expect(read(req.logs.stdout)).toBe(before)
        yield* execution.resume
        expect((yield* inspectContainer(execution.handle.ref))?.State.Paused).toBe(false)
        const result = yield* execution.wait
        expect(result.exitCode).toBe(0)
        expect(read(req.logs.stdout)).toBe(`${Array.from({ length: 20 }, (_, i) => `${i}\n`).join("")}`)
      }),
    30_000
  )

  it.scopedLive(
    "kill ends a running task with SIGKILL",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const task = makeTask(["sleep", "60"], { container: env })
        const execution = yield* executor.run(request(task))
        yield* execution.kill
        const result = yield* execution.wait
        expect(result.exitCode).toBe(137)
        expect(result.signal).toBe("SIGKILL")
        expect(result.oomKilled).toBe(false)
        // Killing again after the end is not an error.
        yield* execution.kill
      }),
    30_000
  )

  it.scopedLive(
    "kill ends a paused task; resuming it then fails",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const execution = yield* executor.run(request(makeTask(["sleep", "60"], { container: env })))
        yield* execution.pause
        yield* execution.kill
        const result = yield* execution.wait
        expect(result.exitCode).toBe(137)
        const error = yield* Effect.flip(execution.resume)
        expect(error.reason).toBe("Failed")
      }),
    30_000
  )

  it.scopedLive(
    "closing the scope of an idle running task removes its container at once",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const scope = yield* Scope.make()
        const req = request(makeTask(["sh", "-c", "echo started; sleep 60"], { container: env }))
        const execution = yield* executor.run(req).pipe(Scope.extend(scope))
        // The log reader is now waiting for output that will not come for a minute.
        yield* eventually(
          Effect.sync(() => read(req.logs.stdout)),
          (s) => s === "started\n"
        )
        expect((yield* inspectContainer(execution.handle.ref))?.State.Running).toBe(true)
        yield* Scope.close(scope, Exit.void).pipe(
          Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => new Error("closing the scope hung") })
        )
        expect(yield* inspectContainer(execution.handle.ref)).toBeUndefined()
      }),
    30_000
  )

  it.scopedLive(
    "a command that cannot start fails with StartFailed and leaves no container",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const task = makeTask(["/no/such/program"], { container: env })
        const error = yield* Effect.flip(executor.run(request(task)))
        expect(error.reason).toBe("StartFailed")
        expect(error.message).toContain("/no/such/program")
        const handles = yield* executor.survivors
        expect(handles.map((h) => h.taskId)).not.toContain(task.taskId)
      }),
    30_000
  )

  it.scopedLive(
    "an env with neither image nor tarball fails to start with a clear error",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const missing = uniqueEnv("missing")
        const error = yield* Effect.flip(executor.run(request(makeTask(["true"], { container: missing }))))
        expect(error.reason).toBe("StartFailed")
        expect(error.message).toContain(`hakuriver/${missing}:base`)
      }),
    30_000
  )

  it.scopedLive(
    "a NULL task is not a Docker task",
    () =>
      Effect.gen(function* () {
        const { executor, request } = yield* setup
        const error = yield* Effect.flip(executor.run(request(makeTask(["true"], { container: "NULL" }))))
        expect(error.reason).toBe("StartFailed")
      }),
    30_000
  )
})

describe("DockerExecutor without an engine", () => {
  it.scopedLive(
    "reports Unavailable with a clear message",
    () =>
      Effect.gen(function* () {
        const root = yield* scopedTempDir("docker-none")
        const dirs = nodeDirs(root)
        const executor = yield* DockerExecutor.make({
          tarballDir: dirs.tarballs,
          socketPath: path.join(root, "no-docker.sock")
        })
        expect(yield* executor.available).toBe(false)
        const error: ExecutorError = yield* Effect.flip(
          executor.run(dirs.request(makeTask(["true"], { container: "some-env" })))
        )
        expect(error.reason).toBe("Unavailable")
        expect(error.message).toContain("does not answer")
        const survivors = yield* Effect.flip(executor.survivors)
        expect(survivors.reason).toBe("Unavailable")
      }),
    30_000
  )
})
