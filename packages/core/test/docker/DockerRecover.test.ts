import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Schedule, Schema, Scope } from "effect"
import { Task } from "../../src/domain/index.js"
import { DockerExecutor } from "../../src/executor/index.js"
import {
  describeDocker,
  docker,
  inspectContainer,
  makeTask,
  suiteEnvImage,
  uniqueDigits
} from "./dockerKit.js"
import { nodeDirs, scopedTempDir } from "../../../../test/kit/index.js"

const fixture = fileURLToPath(new URL("./fixtures/runAndDie.ts", import.meta.url))
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url))
const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "")

/** Starts the dying runner; resolves with the container id once it says `started`. */
const startRunner = (input: unknown) =>
  Effect.acquireRelease(
    Effect.async<{ child: ChildProcess; containerId: string }, Error>((resume) => {
      const child = spawn(process.execPath, ["--import", "tsx", fixture, JSON.stringify(input)], {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let out = ""
      let err = ""
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString()
        const m = /started (\S+)\n/.exec(out)
        if (m?.[1] !== undefined) resume(Effect.succeed({ child, containerId: m[1] }))
      })
      child.stderr?.on("data", (chunk: Buffer) => {
        err += chunk.toString()
      })
      child.on("exit", (code) => resume(Effect.fail(new Error(`runner exited ${code}: ${err}`))))
    }),
    ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
  )

describeDocker("DockerExecutor survivors and recover", () => {
  const env = suiteEnvImage("recover")

  it.scopedLive(
    "a task outlives its runner (SIGKILL); a new executor finds it by label, re-attaches, appends its logs and reads its exit code",
    () =>
      Effect.gen(function* () {
        const dirs = nodeDirs(yield* scopedTempDir("docker-recover"))
        const node = `node-${uniqueDigits()}`
        const task = makeTask(["sh", "-c", "echo first; sleep 2; echo second; echo oops >&2; exit 7"], {
          container: env
        })
        const req = dirs.request(task)
        const { child, containerId } = yield* startRunner({
          tarballDir: dirs.tarballs,
          node,
          task: Schema.encodeSync(Task)(task),
          logs: req.logs,
          sharedDir: req.sharedDir,
          localTempDir: req.localTempDir
        })
        // The first runner follows the logs until it dies.
        yield* Effect.sync(() => read(req.logs.stdout)).pipe(
          Effect.filterOrFail((s) => s === "first\n"),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(200))))
        )
        child.kill("SIGKILL")

        const executor = yield* DockerExecutor.make({ tarballDir: dirs.tarballs, node })
        const survivors = yield* executor.survivors
        const handle = survivors.find((h) => h.taskId === task.taskId)
        expect(handle).toEqual({ kind: "docker", taskId: task.taskId, ref: containerId })

        // Another runner sharing the engine does not see it.
        const other = yield* DockerExecutor.make({ tarballDir: dirs.tarballs, node: `${node}-other` })
        expect((yield* other.survivors).map((h) => h.taskId)).not.toContain(task.taskId)

        const scope = yield* Scope.make()
        const recovered = yield* executor.recover(handle!, req.logs).pipe(Scope.extend(scope))
        expect(Option.isSome(recovered)).toBe(true)
        const result = yield* Option.getOrThrow(recovered).wait
        expect(result.exitCode).toBe(7)
        expect(read(req.logs.stdout)).toBe("first\nsecond\n")
        expect(read(req.logs.stderr)).toBe("oops\n")
        yield* Scope.close(scope, Exit.void)
        expect((yield* executor.survivors).map((h) => h.taskId)).not.toContain(task.taskId)
        // Gone now: recover answers None.
        expect(Option.isNone(yield* executor.recover(handle!, req.logs))).toBe(true)
      }),
    60_000
  )

  it.scopedLive(
    "a container created but never started is not recovered: it is removed",
    () =>
      Effect.gen(function* () {
        const dirs = nodeDirs(yield* scopedTempDir("docker-created"))
        const node = `node-${uniqueDigits()}`
        const task = makeTask(["true"], { container: env })
        const created = yield* Effect.promise(() =>
          docker.createContainer({
            name: `hakuriver-task-${task.taskId}`,
            Image: `hakuriver/${env}:base`,
            Cmd: ["true"],
            Labels: { "hakuriver.task_id": task.taskId, "hakuriver.managed": "true", "hakuriver.node": node }
          })
        )
        const executor = yield* DockerExecutor.make({ tarballDir: dirs.tarballs, node })
        const handle = (yield* executor.survivors).find((h) => h.taskId === task.taskId)
        expect(handle?.ref).toBe(created.id)
        const recovered = yield* executor.recover(handle!, dirs.request(task).logs)
        expect(Option.isNone(recovered)).toBe(true)
        expect(yield* inspectContainer(created.id)).toBeUndefined()
      }),
    30_000
  )
})
