import * as fs from "node:fs"
import * as path from "node:path"
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { fromObject, RunnerApi, Task, Withdrawal } from "@hakuriver/sdk"
import { type Executor, Executors, ProcessExecutor } from "@hakuriver/sdk/executor"
import { Effect, Either, Exit, Fiber, Layer, Logger, Schedule, Scope } from "effect"
import { Runner } from "../src/index.js"
import { eventually, freePort, type MiniHostState, makeState, makeTask, serveMiniHost } from "./miniHost.js"
import { pidAlive, scopedTempDir } from "../../../test/kit/index.js"

const node = process.execPath
const token = "s3cret-token"

/**
 * Starts a runner (process executor only, changed by `adapt` if given) in the scope, talking to
 * the host on `hostPort`.
 */
const startRunner = (
  dir: string,
  hostPort: number,
  runnerPort = 0,
  adapt: (executor: Executor) => Executor = (e) => e
) =>
  Effect.gen(function* () {
    const config = Either.getOrThrow(
      fromObject({
        network: {
          host_reachable_address: "127.0.0.1",
          host_port: hostPort,
          runner_bind_ip: "127.0.0.1",
          runner_address: "127.0.0.1",
          runner_port: runnerPort,
          runner_name: "r1"
        },
        paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
        timing: { heartbeat_interval: 0.2 },
        runner: { executor: "process" },
        security: { token }
      })
    )
    const stateDir = path.join(dir, "temp", "hakuriver-runner", "r1")
    const executors = Layer.succeed(
      Executors,
      new Map([
        ["process" as const, adapt(ProcessExecutor.make({ stateDir: path.join(stateDir, "process") }))]
      ])
    )
    yield* Layer.build(Runner.layerWith(config).pipe(Layer.provide(executors)))
    return { config, stateDir, shared: config.paths.shared_dir }
  })

const runnerClient = (url: string, bearer: string | null = token) =>
  Effect.flatMap(Layer.build(NodeHttpClient.layerUndici), (context) =>
    HttpApiClient.make(RunnerApi, {
      baseUrl: url,
      transformClient: (c) =>
        bearer === null ? c : HttpClient.mapRequest(c, HttpClientRequest.bearerToken(bearer))
    }).pipe(Effect.provide(context))
  )

/**
 * A mini host with the token, a runner (in a fresh temp dir, its executor changed by `adapt`) that
 * has registered with it, and a client of that runner (at the URL it first registered).
 */
const registeredRunnerWith = (adapt?: (executor: Executor) => Executor) =>
  Effect.gen(function* () {
    const dir = yield* scopedTempDir("runner")
    const state = makeState()
    const hostPort = yield* serveMiniHost(state, { token })
    const { shared } = yield* startRunner(dir, hostPort, 0, adapt)
    yield* eventually(() => state.registrations.length > 0)
    const client = yield* runnerClient(state.registrations[0]!.url)
    return { state, shared, client }
  })
const registeredRunner = registeredRunnerWith()

type RunnerClient = Effect.Effect.Success<ReturnType<typeof runnerClient>>

/** A runner in `dir` on a free port whose host (on another free port) is not up, and its client. */
const runnerWithoutHost = (dir: string) =>
  Effect.gen(function* () {
    const hostPort = yield* freePort()
    const runnerPort = yield* freePort()
    const { shared, stateDir } = yield* startRunner(dir, hostPort, runnerPort)
    const client = yield* runnerClient(`http://127.0.0.1:${runnerPort}`)
    return { hostPort, shared, stateDir, client }
  })

/** Puts `task` in the mini host's table and hands it to the runner. */
const submit = (state: MiniHostState, client: RunnerClient, task: Task) =>
  Effect.suspend(() => {
    state.tasks.set(task.taskId, task)
    return client.tasks.run({ payload: task })
  })

const statusesOf = (state: MiniHostState, task: Task) =>
  state.reports.filter((r) => r.taskId === task.taskId).map((r) => r.status)

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "")

describe("Runner against a minimal host", () => {
  it.scopedLive(
    "registers with its real port, heartbeats, runs a task and reports it",
    () =>
      Effect.gen(function* () {
        const { state, shared, client } = yield* registeredRunner
        const info = state.registrations[0]!
        expect(info.name).toBe("r1")
        expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        expect(info.url.endsWith(":0")).toBe(false)
        expect(info.executors).toEqual(["process"])
        expect(info.cores).toBeGreaterThan(0)

        expect((yield* client.info.ping()).service).toBe("hakuriver-runner")
        expect((yield* client.info.info()).url).toBe(info.url)

        const task = makeTask(
          shared,
          [node, "-e", "console.log('out:' + process.env.GREETING); process.exit(0)"],
          {
            env: { GREETING: "hi there" }
          }
        )
        const accepted = yield* submit(state, client, task)
        expect(accepted.executor).toBe("process")
        yield* eventually(() => statusesOf(state, task).includes("completed"))
        expect(statusesOf(state, task)).toEqual(["running", "completed"])
        expect(state.reports.find((r) => r.status === "completed")?.exitCode).toBe(0)
        expect(read(task.stdoutPath)).toBe("out:hi there\n")

        const failing = makeTask(shared, [node, "-e", "process.exit(5)"], { memoryBytes: 1000000, gpus: [0] })
        yield* submit(state, client, failing)
        yield* eventually(() => statusesOf(state, failing).includes("failed"))
        const failed = state.reports.find((r) => r.taskId === failing.taskId && r.status === "failed")
        expect(failed?.exitCode).toBe(5)
        // said once, with the other limits the process executor does not apply
        expect(failed?.error).toBe(
          "the process executor enforces no limits: memory not applied; GPUs 0 only made visible through CUDA_VISIBLE_DEVICES, not isolated"
        )

        yield* eventually(() => state.heartbeats.length >= 2)
        const beat = state.heartbeats.at(-1)!
        expect(beat.name).toBe("r1")
        expect(beat.usage.memoryUsedBytes).toBeGreaterThan(0)
      }),
    30_000
  )

  it.scopedLive(
    "kill, pause and resume through the API; refusals are typed",
    () =>
      Effect.gen(function* () {
        const { state, shared, client } = yield* registeredRunner

        const task = makeTask(shared, [node, "-e", "let i = 0; setInterval(() => console.log(i++), 20)"])
        yield* submit(state, client, task)
        yield* eventually(() => statusesOf(state, task).includes("running"))
        const again = yield* Effect.flip(client.tasks.run({ payload: task }))
        expect(again._tag).toBe("Conflict")
        const noSuchNuma = makeTask(shared, [node, "-e", "0"], { numaNode: 99 })
        expect((yield* Effect.flip(client.tasks.run({ payload: noSuchNuma })))._tag).toBe("BadRequest")
        expect(yield* client.tasks.running()).toContain(task.taskId)
        yield* eventually(() => state.heartbeats.some((h) => h.runningTaskIds.includes(task.taskId)))

        yield* client.tasks.pause({ path: { id: task.taskId } })
        yield* Effect.sleep("100 millis")
        const paused = read(task.stdoutPath).length
        yield* Effect.sleep("300 millis")
        expect(read(task.stdoutPath).length).toBe(paused)
        expect((yield* Effect.flip(client.tasks.pause({ path: { id: task.taskId } })))._tag).toBe("Conflict")
        yield* client.tasks.resume({ path: { id: task.taskId } })
        yield* eventually(() => read(task.stdoutPath).length > paused)
        yield* client.tasks.kill({ path: { id: task.taskId } })
        yield* eventually(() => statusesOf(state, task).includes("killed"))
        expect(statusesOf(state, task)).toEqual(["running", "paused", "running", "killed"])
        expect(yield* client.tasks.running()).not.toContain(task.taskId)
        expect((yield* Effect.flip(client.tasks.kill({ path: { id: task.taskId } })))._tag).toBe("NotFound")
      }),
    30_000
  )

  it.scopedLive(
    "a withdrawn attempt is refused, and so is any earlier one; the next attempt runs; a running task's withdrawal finds it running",
    () =>
      Effect.gen(function* () {
        const { state, shared, client } = yield* registeredRunner
        const withdraw = (task: Task) =>
          Effect.map(
            client.tasks.withdraw({
              path: { id: task.taskId },
              payload: new Withdrawal({ attempt: task.attempt })
            }),
            (answer) => answer.outcome
          )

        const first = makeTask(shared, [node, "-e", "console.log('ran')"], { attempt: 2 })
        expect(yield* withdraw(first)).toBe("withdrawn")
        for (const attempt of [2, 1]) {
          const late = yield* Effect.flip(submit(state, client, new Task({ ...first, attempt })))
          expect(late).toMatchObject({
            _tag: "Unavailable",
            message: `attempt ${attempt} of task ${first.taskId} was withdrawn by the host`
          })
        }
        yield* Effect.sleep("200 millis")
        expect(statusesOf(state, first)).toEqual([])
        expect(fs.existsSync(first.stdoutPath)).toBe(false)
        expect(yield* client.tasks.running()).not.toContain(first.taskId)

        const next = new Task({ ...first, attempt: 3 })
        yield* submit(state, client, next)
        yield* eventually(() => statusesOf(state, next).includes("completed"))
        expect(read(next.stdoutPath)).toBe("ran\n")

        // a run and its withdrawal at once: either the withdrawal finds it running, or it never starts
        for (let i = 0; i < 20; i++) {
          const raced = makeTask(shared, ["sleep", "0.3"], { attempt: 1 })
          const [ran, outcome] = yield* Effect.all(
            [Effect.either(submit(state, client, raced)), withdraw(raced)],
            {
              concurrency: 2
            }
          )
          if (outcome === "running") expect(Either.isRight(ran)).toBe(true)
          else expect(Either.isLeft(ran) && ran.left._tag).toBe("Unavailable")
        }

        const long = makeTask(shared, [node, "-e", "setInterval(() => {}, 1000)"], { attempt: 1 })
        yield* submit(state, client, long)
        expect(yield* withdraw(long)).toBe("running")
        yield* client.tasks.kill({ path: { id: long.taskId } })
        yield* eventually(() => statusesOf(state, long).includes("killed"))
      }),
    30_000
  )

  it.scopedLive(
    "a withdrawal that comes while the run is being prepared (the executors asked whether they work): the run is refused and nothing starts",
    () =>
      Effect.gen(function* () {
        let slow = false
        const { state, shared, client } = yield* registeredRunnerWith((executor) => ({
          ...executor,
          available: Effect.suspend(() =>
            slow ? Effect.as(Effect.sleep("800 millis"), true) : executor.available
          )
        }))
        slow = true
        // the answer of registration time is kept 5 s: past that, the next run asks again
        yield* Effect.sleep("5200 millis")
        const task = makeTask(shared, ["sleep", "0.2"], { attempt: 1 })
        const run = yield* Effect.fork(Effect.either(submit(state, client, task)))
        yield* Effect.sleep("300 millis")
        const answer = yield* client.tasks.withdraw({
          path: { id: task.taskId },
          payload: new Withdrawal({ attempt: 1 })
        })
        expect(answer.outcome).toBe("withdrawn")
        const ran = yield* Fiber.join(run)
        expect(Either.isLeft(ran) && ran.left._tag).toBe("Unavailable")
        yield* Effect.sleep("300 millis")
        expect(statusesOf(state, task)).toEqual([])
        expect(fs.existsSync(task.stdoutPath)).toBe(false)
      }),
    30_000
  )

  it.scopedLive(
    "a pause sent as soon as the run is accepted waits for the process to start",
    () =>
      Effect.gen(function* () {
        const { state, shared, client } = yield* registeredRunner
        const task = makeTask(shared, [node, "-e", "setInterval(() => {}, 1000)"])
        yield* submit(state, client, task)
        // the runner's first task: its process does not exist yet (the spawn helper is starting)
        yield* client.tasks.pause({ path: { id: task.taskId } })
        yield* client.tasks.kill({ path: { id: task.taskId } })
        yield* eventually(() => statusesOf(state, task).includes("killed"))
        expect(statusesOf(state, task)).toEqual(["running", "paused", "killed"])
      }),
    30_000
  )

  it.scopedLive(
    "refuses requests without the token",
    () =>
      Effect.gen(function* () {
        const { state, shared } = yield* registeredRunner
        const url = state.registrations[0]!.url
        const anonymous = yield* runnerClient(url, null)
        const wrong = yield* runnerClient(url, "wrong")
        expect((yield* Effect.flip(anonymous.tasks.running()))._tag).toBe("Unauthorized")
        const task = makeTask(shared, [node, "-e", "0"])
        expect((yield* Effect.flip(wrong.tasks.run({ payload: task })))._tag).toBe("Unauthorized")
        expect(fs.existsSync(task.stdoutPath)).toBe(false)
      }),
    30_000
  )

  it.scopedLive(
    "logs each task's end as one line with its exit code",
    () => {
      const lines: Array<ReadonlyArray<unknown>> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message }) => void lines.push(Array.isArray(message) ? message : [message]))
      )
      return Effect.gen(function* () {
        const { state, shared, client } = yield* registeredRunner
        const task = makeTask(shared, [node, "-e", "process.exit(3)"])
        yield* submit(state, client, task)
        yield* eventually(() => statusesOf(state, task).includes("failed"))
        yield* eventually(() => lines.some((m) => String(m[0]).startsWith(`task ${task.taskId}`)))
        expect(lines.filter((m) => String(m[0]).startsWith(`task ${task.taskId}`))).toEqual([
          [`task ${task.taskId} failed (exit code 3)`]
        ])
      }).pipe(Effect.provide(capture))
    },
    30_000
  )

  it.scopedLive(
    "stops a task the host's heartbeat answer says is not run here, and says so once; one that ended is left alone",
    () => {
      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message }) => void lines.push(String(Array.isArray(message) ? message[0] : message)))
      )
      return Effect.gen(function* () {
        const { state, shared, client } = yield* registeredRunner
        const ended = makeTask(shared, [node, "-e", "0"])
        yield* submit(state, client, ended)
        yield* eventually(() => statusesOf(state, ended).includes("completed"))
        const long = makeTask(shared, [node, "-e", "setTimeout(() => {}, 30000)"])
        yield* submit(state, client, long)
        // the host answers both as not run here: the ended one because its end raced the beat
        state.killTaskIds = [ended.taskId, long.taskId]
        const stillRuns = Effect.map(client.tasks.running(), (ids) => ids.includes(long.taskId))
        yield* Effect.repeat(stillRuns, { while: (runs) => runs, schedule: Schedule.spaced("50 millis") })
        const beats = state.heartbeats.length
        yield* eventually(() => state.heartbeats.length >= beats + 5)
        expect(lines.filter((line) => line.startsWith("the host does not run task"))).toEqual([
          `the host does not run task ${long.taskId} here: stopped it`
        ])
      }).pipe(Effect.provide(capture))
    },
    30_000
  )

  it.scopedLive(
    "buffers status reports while the host is down and delivers them in order",
    () =>
      Effect.gen(function* () {
        const dir = yield* scopedTempDir("runner")
        const state = makeState()
        const { hostPort, shared, stateDir, client } = yield* runnerWithoutHost(dir)
        const tasks = [0, 1, 2].map((i) =>
          makeTask(shared, [node, "-e", `console.log(${i}); process.exit(${i})`])
        )
        for (const task of tasks) yield* submit(state, client, task)
        const outbox = path.join(stateDir, "outbox.json")
        const queued = () =>
          fs.existsSync(outbox) ? (JSON.parse(read(outbox)) as Array<{ status: string }>) : []
        yield* eventually(() => queued().filter((u) => u.status !== "running").length === 3)
        expect(state.reports).toEqual([])
        // Finished tasks with unreported outcomes still count as running for the host.
        expect([...(yield* client.tasks.running())].sort()).toEqual(tasks.map((t) => t.taskId).sort())

        yield* serveMiniHost(state, { port: hostPort, token })
        yield* eventually(() => state.reports.length === 6)
        for (const [i, task] of tasks.entries()) {
          expect(statusesOf(state, task)).toEqual(["running", i === 0 ? "completed" : "failed"])
          expect(
            state.reports.find((r) => r.taskId === task.taskId && r.status !== "running")?.exitCode
          ).toBe(i)
        }
        yield* eventually(() => queued().length === 0)
        yield* eventually(() => state.registrations.length > 0)
      }),
    30_000
  )

  it.scopedLive(
    "keeps unsent reports across a runner restart",
    () =>
      Effect.gen(function* () {
        const dir = yield* scopedTempDir("runner")
        const state = makeState()
        const first = yield* Scope.make()
        const { hostPort, shared, stateDir, client } = yield* runnerWithoutHost(dir).pipe(Scope.extend(first))
        const task = makeTask(shared, [node, "-e", "process.exit(4)"])
        yield* submit(state, client, task)
        const outbox = path.join(stateDir, "outbox.json")
        yield* eventually(() => read(outbox).includes('"failed"'))
        yield* Scope.close(first, Exit.void)

        yield* serveMiniHost(state, { port: hostPort, token })
        yield* startRunner(dir, hostPort)
        yield* eventually(() => statusesOf(state, task).length === 2)
        expect(statusesOf(state, task)).toEqual(["running", "failed"])
        expect(state.reports.at(-1)?.exitCode).toBe(4)
      }),
    30_000
  )

  it.scopedLive(
    "registers again when the host forgets it; stops what the host does not run here, without a report",
    () =>
      Effect.gen(function* () {
        const { state, shared, client } = yield* registeredRunner
        yield* eventually(() => state.heartbeats.length > 0)
        state.known.clear()
        yield* eventually(() => state.registrations.length === 2)

        const task = makeTask(shared, [node, "-e", "console.log(process.pid); setInterval(() => {}, 1000)"])
        yield* submit(state, client, task)
        yield* eventually(() => statusesOf(state, task).includes("running") && read(task.stdoutPath) !== "")
        const pid = Number(read(task.stdoutPath).trim())
        state.killTaskIds = [task.taskId]
        yield* eventually(() => !state.heartbeats.at(-1)!.runningTaskIds.includes(task.taskId))
        yield* eventually(() => !pidAlive(pid))
        expect(yield* client.tasks.running()).not.toContain(task.taskId)
        // the host said it does not run the task here: its end is not reported
        yield* Effect.sleep("300 millis")
        expect(statusesOf(state, task)).toEqual(["running"])
      }),
    30_000
  )
})

describe("Runner start", () => {
  it.scopedLive(
    "fails when its port is taken",
    () =>
      Effect.gen(function* () {
        const dir = yield* scopedTempDir("runner")
        const state = makeState()
        const hostPort = yield* serveMiniHost(state)
        const exit = yield* Effect.exit(startRunner(dir, hostPort, hostPort))
        expect(Exit.isFailure(exit)).toBe(true)
      }),
    30_000
  )
})
