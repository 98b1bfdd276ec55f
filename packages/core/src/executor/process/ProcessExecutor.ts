/**
 * The process executor: runs a task as a plain child process, for machines with neither Docker
 * nor systemd (laptops, CI). It enforces no limits — cores, memory and NUMA binding are recorded
 * but not applied, and GPUs are only made visible to CUDA (`CUDA_VISIBLE_DEVICES`), not
 * isolated — and says so through {@link limitsWarning}.
 *
 * The command is an argument array handed to `spawn` without a shell. The process starts in its
 * own process group (detached), so kill (`SIGKILL`) and pause/resume (`SIGSTOP`/`SIGCONT`) reach
 * everything it started. A small pid file per task lets a restarted runner find a process that
 * outlived it; such a process can be killed, but its exit status is lost with its parent, so its
 * outcome is reported as lost.
 *
 * @since 0.1.0
 */
import * as os from "node:os"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { Task, TaskId } from "../../domain/index.js"
import {
  type ExecRequest,
  type Execution,
  type Executor,
  ExecutorError,
  type ExitResult,
  type TaskHandle
} from "../Executor.js"
import { isAlive, PidRecord, pidFilePath, procStat, readPidFiles, removePidFile } from "./pidFile.js"
import * as SpawnHelper from "./SpawnHelper.js"
import { taskEnvironment } from "./taskEnvironment.js"

/**
 * Options of the process executor.
 * @category models
 */
export interface ProcessExecutorOptions {
  /** Folder of the pid files (node-local, e.g. under `local_temp_dir`). */
  readonly stateDir: string
  /**
   * The environment tasks inherit; defaults to the runner's `process.env` as it is when the
   * executor is made (read once: enumerating `process.env` for every task costs ~25–100 µs).
   */
  readonly baseEnv?: Readonly<Record<string, string | undefined>> | undefined
  /** How often a recovered process (not our child) is checked for its end; default 500 ms. */
  readonly pollInterval?: Duration.DurationInput | undefined
}

/**
 * The exit code reported for a command that could not be started (as a shell would).
 * @category constants
 */
export const cannotStartExitCode = 127

/**
 * The warning for a task that asked for limits the process executor does not enforce, or
 * `undefined` when it asked for none beyond the default.
 * @category constructors
 */
export const limitsWarning = (task: Task): string | undefined => {
  const asked: Array<string> = []
  if (task.memoryBytes !== null) asked.push("memory")
  if (task.numaNode !== null) asked.push("NUMA binding")
  if (task.cores !== 1) asked.push("cores")
  const notes: Array<string> = []
  if (asked.length > 0) notes.push(`${asked.join(", ")} not applied`)
  if (task.gpus.length > 0)
    notes.push(`GPUs ${task.gpus.join(",")} only made visible through CUDA_VISIBLE_DEVICES, not isolated`)
  return notes.length === 0 ? undefined : `the process executor enforces no limits: ${notes.join("; ")}`
}

const fail = (reason: ExecutorError["reason"], detail: string) =>
  new ExecutorError({ executor: "process", reason, detail })

const signalGroup = (pid: number, signal: NodeJS.Signals): "ok" | "gone" | Error => {
  try {
    process.kill(-pid, signal)
    return "ok"
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    return err.code === "ESRCH" ? "gone" : err
  }
}

const signalNumber = (signal: string): number =>
  (os.constants.signals as Record<string, number | undefined>)[signal] ?? 0

/** The result of an `exit` event. */
const exitResult = (code: number | null, signal: NodeJS.Signals | null): ExitResult =>
  code !== null
    ? { exitCode: code, oomKilled: false }
    : { exitCode: 128 + signalNumber(signal ?? ""), signal: signal ?? undefined, oomKilled: false }

const groupControl = (pid: number | undefined, taskId: TaskId) => {
  const send = (signal: NodeJS.Signals, missing: "ignore" | "fail") =>
    Effect.suspend(() => {
      if (pid === undefined) {
        return missing === "ignore"
          ? Effect.void
          : Effect.fail(fail("NotFound", `task ${taskId} is not running`))
      }
      const outcome = signalGroup(pid, signal)
      if (outcome === "ok" || (outcome === "gone" && missing === "ignore")) return Effect.void
      return Effect.fail(
        outcome === "gone"
          ? fail("NotFound", `task ${taskId} is not running`)
          : fail("Failed", `${signal} to process group ${pid}: ${outcome.message}`)
      )
    })
  return {
    kill: send("SIGKILL", "ignore").pipe(Effect.withSpan("ProcessExecutor.kill")),
    pause: send("SIGSTOP", "fail").pipe(Effect.withSpan("ProcessExecutor.pause")),
    resume: send("SIGCONT", "fail").pipe(Effect.withSpan("ProcessExecutor.resume"))
  }
}

/**
 * Makes the process executor.
 * @category constructors
 */
export const make = (options: ProcessExecutorOptions): Executor => {
  const baseEnv = { ...(options.baseEnv ?? process.env) }
  const pollInterval = Duration.decode(options.pollInterval ?? "500 millis")

  const helper = SpawnHelper.make()

  /** The end of a process whose exit status is gone with its parent: `lost`, once it is gone. */
  const lostWhenGone = (record: PidRecord, error: string): Effect.Effect<ExitResult> =>
    Effect.sync(() => isAlive(record)).pipe(
      Effect.repeat({ schedule: Schedule.spaced(pollInterval), while: (alive) => alive }),
      Effect.as({ exitCode: -1, oomKilled: false, lost: true, error } satisfies ExitResult)
    )

  const run = Effect.fn("ProcessExecutor.run")(function* (request: ExecRequest) {
    const { task } = request
    yield* Effect.annotateCurrentSpan("taskId", task.taskId)
    const done = yield* Deferred.make<ExitResult, ExecutorError>()
    const [program, ...args] = task.command
    let ended = false
    const onExit = (exit: SpawnHelper.SpawnExit) => {
      if (exit._tag === "Exited") {
        // the helper removed the pid file before it told
        ended = true
        Deferred.unsafeDone(done, Effect.succeed(exitResult(exit.code, exit.signal)))
        return
      }
      // the helper stopped while the process ran: it runs on (and can be killed) until it ends
      const error = "the runner's spawn helper stopped while this process ran; its exit status is unknown"
      const record = new PidRecord({
        taskId: task.taskId,
        pid: exit.pid,
        startTime: procStat(exit.pid)?.startTime ?? null
      })
      Effect.runFork(
        lostWhenGone(record, error).pipe(
          Effect.flatMap((result) => Deferred.succeed(done, result)),
          Effect.ensuring(
            Effect.sync(() => {
              ended = true
              removePidFile(options.stateDir, task.taskId)
            })
          )
        )
      )
    }
    // the helper opens the log files (a missing folder is made, a full disk is a clear
    // StartFailed) and writes the pid file before it answers
    const spawned = yield* Effect.acquireRelease(
      helper.spawn(
        {
          file: program,
          args,
          cwd: request.sharedDir,
          env: taskEnvironment(request, baseEnv),
          stdout: request.logs.stdout,
          stderr: request.logs.stderr,
          pidFile: { path: pidFilePath(options.stateDir, task.taskId), taskId: task.taskId }
        },
        onExit
      ),
      // a process that ended has no pid file left (the helper, or the wait above, removed it)
      (spawned) =>
        Effect.sync(() => {
          if (spawned._tag !== "Started" || ended) return
          signalGroup(spawned.pid, "SIGKILL")
          removePidFile(options.stateDir, task.taskId)
        })
    )
    if (spawned._tag === "NoLogFiles") return yield* fail("StartFailed", spawned.error)
    if (spawned._tag === "NotStarted") {
      yield* Deferred.succeed(done, {
        exitCode: cannotStartExitCode,
        oomKilled: false,
        error: `cannot start ${program}: ${spawned.error}`
      })
    }
    const pid = spawned._tag === "Started" ? spawned.pid : undefined
    const handle: TaskHandle = { kind: "process", taskId: task.taskId, ref: String(pid ?? "") }
    return {
      handle,
      wait: Deferred.await(done),
      ...groupControl(pid, task.taskId)
    } satisfies Execution
  })

  const survivors = Effect.sync(() => {
    const handles: Array<TaskHandle> = []
    for (const record of readPidFiles(options.stateDir)) {
      if (isAlive(record)) handles.push({ kind: "process", taskId: record.taskId, ref: String(record.pid) })
      else removePidFile(options.stateDir, record.taskId)
    }
    return handles
  }).pipe(Effect.withSpan("ProcessExecutor.survivors"))

  const recover = Effect.fn("ProcessExecutor.recover")(function* (
    handle: TaskHandle,
    _logs: ExecRequest["logs"]
  ) {
    const record = readPidFiles(options.stateDir).find((r) => r.taskId === handle.taskId)
    if (record === undefined || !isAlive(record)) {
      if (record !== undefined) removePidFile(options.stateDir, record.taskId)
      return Option.none<Execution>()
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (isAlive(record)) signalGroup(record.pid, "SIGKILL")
        removePidFile(options.stateDir, record.taskId)
      })
    )
    const wait = lostWhenGone(
      record,
      "the runner restarted while this process ran; its exit status is unknown"
    )
    return Option.some<Execution>({ handle, wait, ...groupControl(record.pid, record.taskId) })
  })

  return {
    kind: "process",
    available: Effect.succeed(true),
    run,
    survivors,
    recover
  }
}
