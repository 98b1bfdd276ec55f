/**
 * A small runner for the host's tests, built on the real RunnerApi contract and served on a
 * loopback port: it runs task commands as plain child processes, writes their logs, reports
 * status changes (retrying until the host takes them), heartbeats and re-registers on
 * `UnknownNode`. It stands in for `@hakuriver/runner` where a test needs to control it closely.
 */
import { HttpApiBuilder, HttpApiClient, HttpClient, HttpClientRequest, HttpServer } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import {
  authorizationLayer,
  BadRequest,
  Conflict,
  GpuInfo,
  HostApi,
  NodeInfo,
  NodeName,
  NodeUsage,
  NotFound,
  type NumaNode,
  Ping,
  RunAccepted,
  RunnerApi,
  StatusUpdate,
  type Task,
  type TaskId,
  type TaskStatus,
  Unavailable,
  WithdrawOutcome
} from "@hakuriver/sdk"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createServer } from "node:http"
import * as path from "node:path"
import {
  Context,
  Deferred,
  Duration,
  Effect,
  ExecutionStrategy,
  Exit,
  Fiber,
  Layer,
  Queue,
  Schedule,
  Scope
} from "effect"

export interface TestRunnerOptions {
  readonly name: string
  readonly hostUrl: string
  readonly cores: number
  readonly memoryBytes?: number
  readonly numa?: ReadonlyArray<NumaNode>
  readonly gpus?: ReadonlyArray<number>
  readonly token?: string
  readonly heartbeatMs?: number
  /** What the heartbeats claim runs (default: what really runs). */
  readonly reported?: (running: ReadonlyArray<TaskId>) => ReadonlyArray<TaskId>
  /** Refuse a run request: `invalid` answers 400, `busy` answers 503. */
  readonly refuse?: (task: Task) => "invalid" | "busy" | undefined
  /**
   * Lose the answer to a run request (the host gets a 500): `started` starts the task first;
   * `late` starts it 1.5 s later (after the host queued it again), as a request held up here
   * would, unless the host withdrew that attempt meanwhile.
   */
  readonly loseAnswer?: (task: Task) => "started" | "late" | undefined
}

export interface TestRunner {
  readonly name: string
  readonly url: string
  /** How many times each task id was started here. */
  readonly starts: Map<string, number>
  /** Task ids in the order they were started. */
  readonly startOrder: Array<string>
  readonly running: () => ReadonlyArray<string>
  /** The host's withdrawals of attempts, with this runner's answers. */
  readonly withdrawals: Array<{ readonly taskId: string; readonly attempt: number; readonly outcome: string }>
  /** Late starts refused because the host had withdrawn their attempt. */
  readonly refusedLate: Array<{ readonly taskId: string; readonly attempt: number }>
  /** Stops heartbeats and the server and kills the tasks, without reporting anything. */
  readonly crash: Effect.Effect<void>
}

interface Running {
  readonly child: ChildProcess
  killed: boolean
}

export const make = (options: TestRunnerOptions): Effect.Effect<TestRunner, never, Scope.Scope> =>
  Effect.gen(function* () {
    const outerScope = yield* Effect.scope
    const scope = yield* Scope.fork(outerScope, ExecutionStrategy.sequential)
    const token = options.token ?? ""
    const tasks = new Map<string, Running>()
    const starts = new Map<string, number>()
    const startOrder: Array<string> = []
    const outbox = yield* Queue.unbounded<StatusUpdate>()
    const withdrawn = new Map<string, number>()
    const withdrawals: TestRunner["withdrawals"] = []
    const refusedLate: TestRunner["refusedLate"] = []
    const isWithdrawn = (task: Task) => (withdrawn.get(task.taskId) ?? -1) >= task.attempt
    let crashed = false

    const report = (
      taskId: TaskId,
      status: TaskStatus,
      extra: { exitCode?: number; error?: string } = {}
    ) => {
      if (crashed) return
      Queue.unsafeOffer(outbox, new StatusUpdate({ taskId, status, at: new Date().toISOString(), ...extra }))
    }

    const start = (task: Task) => {
      fs.mkdirSync(path.dirname(task.stdoutPath), { recursive: true })
      const out = fs.openSync(task.stdoutPath, "a")
      const err = fs.openSync(task.stderrPath, "a")
      const [program, ...args] = task.command
      const child = spawn(program, args, {
        stdio: ["ignore", out, err],
        env: { ...process.env, ...task.env, HAKURIVER_TASK_ID: task.taskId }
      })
      fs.closeSync(out)
      fs.closeSync(err)
      const entry: Running = { child, killed: false }
      tasks.set(task.taskId, entry)
      starts.set(task.taskId, (starts.get(task.taskId) ?? 0) + 1)
      startOrder.push(task.taskId)
      report(task.taskId, "running")
      const done = (code: number | null, error?: string) => {
        if (tasks.get(task.taskId) !== entry) return
        tasks.delete(task.taskId)
        if (entry.killed) report(task.taskId, "killed", { exitCode: code ?? -1 })
        else if (error !== undefined) report(task.taskId, "failed", { exitCode: -1, error })
        else report(task.taskId, code === 0 ? "completed" : "failed", { exitCode: code ?? -1 })
      }
      child.on("error", (e) => done(null, e.message))
      child.on("exit", (code) => done(code))
    }

    const loseAnswer = (task: Task) =>
      Effect.suspend(() => {
        const lost = options.loseAnswer?.(task)
        if (lost === "started") start(task)
        if (lost === "late") {
          setTimeout(() => {
            if (isWithdrawn(task)) refusedLate.push({ taskId: task.taskId, attempt: task.attempt })
            else if (!tasks.has(task.taskId)) start(task)
          }, 1500)
        }
        if (lost !== undefined) return Effect.dieMessage("the answer was lost")
        start(task)
        return Effect.succeed(new RunAccepted({ taskId: task.taskId, executor: "process" }))
      })

    const tasksGroup = HttpApiBuilder.group(RunnerApi, "tasks", (h) =>
      h
        .handle("run", ({ payload }) =>
          options.refuse?.(payload) === "invalid"
            ? Effect.fail(new BadRequest({ message: "this runner cannot run that" }))
            : options.refuse?.(payload) === "busy"
              ? Effect.fail(new Unavailable({ message: "this runner is busy" }))
              : tasks.has(payload.taskId)
                ? Effect.fail(new Conflict({ message: "already running" }))
                : isWithdrawn(payload)
                  ? Effect.fail(new Unavailable({ message: "withdrawn" }))
                  : loseAnswer(payload)
        )
        .handle("withdraw", ({ path: p, payload }) =>
          Effect.sync(() => {
            const outcome = tasks.has(p.id) ? ("running" as const) : ("withdrawn" as const)
            if (outcome === "withdrawn")
              withdrawn.set(p.id, Math.max(payload.attempt, withdrawn.get(p.id) ?? 0))
            withdrawals.push({ taskId: p.id, attempt: payload.attempt, outcome })
            return new WithdrawOutcome({ outcome })
          })
        )
        .handle("kill", ({ path: p }) => {
          const entry = tasks.get(p.id)
          if (entry === undefined) return Effect.fail(new NotFound({ message: "no such task" }))
          return Effect.sync(() => {
            entry.killed = true
            entry.child.kill("SIGKILL")
          })
        })
        .handle("pause", ({ path: p }) => {
          const entry = tasks.get(p.id)
          if (entry === undefined) return Effect.fail(new NotFound({ message: "no such task" }))
          return Effect.sync(() => void entry.child.kill("SIGSTOP"))
        })
        .handle("resume", ({ path: p }) => {
          const entry = tasks.get(p.id)
          if (entry === undefined) return Effect.fail(new NotFound({ message: "no such task" }))
          return Effect.sync(() => void entry.child.kill("SIGCONT"))
        })
        .handle("running", () => Effect.succeed([...tasks.keys()] as Array<TaskId>))
    )
    let info: NodeInfo | undefined
    const infoGroup = HttpApiBuilder.group(RunnerApi, "info", (h) =>
      h
        .handle("info", () =>
          Effect.suspend(() => (info === undefined ? Effect.dieMessage("not ready") : Effect.succeed(info)))
        )
        .handle("ping", () => Effect.succeed(new Ping({ service: "hakuriver-runner", version: "test" })))
    )
    const server = HttpApiBuilder.serve().pipe(
      Layer.provide(
        HttpApiBuilder.api(RunnerApi).pipe(
          Layer.provide([tasksGroup, infoGroup]),
          Layer.provide(authorizationLayer(token))
        )
      ),
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
    const ctx = yield* Layer.buildWithScope(server, scope).pipe(Effect.orDie)
    const address = (yield* Effect.provide(HttpServer.HttpServer, ctx)).address
    const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""
    yield* Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        crashed = true
        for (const entry of tasks.values()) entry.child.kill("SIGKILL")
        tasks.clear()
      })
    )

    info = new NodeInfo({
      name: NodeName.make(options.name),
      url,
      cores: options.cores,
      memoryBytes: options.memoryBytes ?? 8_000_000_000,
      numa: options.numa ?? [],
      gpus: (options.gpus ?? []).map(
        (index) => new GpuInfo({ index, name: "Test GPU", uuid: `GPU-${options.name}-${index}` })
      ),
      executors: ["process"]
    })

    const httpClient = Context.get(
      yield* Layer.buildWithScope(NodeHttpClient.layerUndici, scope),
      HttpClient.HttpClient
    ).pipe(
      token === ""
        ? (c: HttpClient.HttpClient) => c
        : HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
    )
    const host = yield* HttpApiClient.makeWith(HostApi, { baseUrl: options.hostUrl, httpClient })
    const every = Duration.millis(options.heartbeatMs ?? 200)
    const registered = yield* Deferred.make<void>()
    const register = host.runners
      .register({ payload: info })
      .pipe(
        Effect.retry(Schedule.spaced(Duration.millis(100))),
        Effect.zipRight(Deferred.succeed(registered, undefined))
      )
    const usage = new NodeUsage({
      cpuPercent: 1,
      memoryUsedBytes: 1,
      memoryPercent: 1,
      temperatures: [],
      gpus: []
    })
    const beat = Effect.suspend(() =>
      host.runners.heartbeat({
        path: { name: info.name },
        payload: {
          name: info.name,
          usage,
          runningTaskIds: (options.reported ?? ((ids) => ids))([...tasks.keys()] as Array<TaskId>)
        }
      })
    ).pipe(
      Effect.tap((ack) =>
        Effect.sync(() => {
          for (const id of ack.killTaskIds) {
            const entry = tasks.get(id)
            if (entry !== undefined) {
              entry.killed = true
              entry.child.kill("SIGKILL")
            }
          }
        })
      ),
      Effect.catchTag("UnknownNode", () => register),
      Effect.ignore
    )
    // reports first, in order, each retried until the host answers (a refusal drops it)
    const send = (update: StatusUpdate) =>
      host.runners
        .reportStatus({ path: { id: update.taskId }, payload: update })
        .pipe(
          Effect.catchTags({ Conflict: () => Effect.void, NotFound: () => Effect.void }),
          Effect.retry(Schedule.spaced(Duration.millis(100)))
        )
    const fibers = [
      yield* Effect.forkIn(
        Effect.zipRight(register, Effect.forever(Effect.flatMap(Queue.take(outbox), send))),
        scope
      ),
      yield* Effect.forkIn(
        Effect.zipRight(Deferred.await(registered), Effect.repeat(beat, Schedule.spaced(every))),
        scope
      )
    ]
    yield* Deferred.await(registered)

    return {
      name: options.name,
      url,
      starts,
      startOrder,
      running: () => [...tasks.keys()],
      withdrawals,
      refusedLate,
      crash: Effect.zipRight(Fiber.interruptAll(fibers), Scope.close(scope, Exit.void))
    }
  })
