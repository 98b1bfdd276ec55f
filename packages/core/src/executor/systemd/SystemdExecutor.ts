/**
 * The systemd executor (the `NULL` container): runs a task as a transient scope,
 * `systemd-run --scope --unit hakuriver-task-ID`, with `CPUQuota` and `MemoryMax` enforced by
 * systemd, wrapped in `numactl` for a NUMA target, through `sudo -n` when the runner is not root.
 *
 * The task writes straight into its log files (they are its stdout and stderr), so its output
 * keeps landing there even when the runner restarts. Kill is `systemctl stop` (SIGTERM, then
 * SIGKILL after the stop timeout); pause and resume are `systemctl kill --signal=SIGSTOP|SIGCONT`.
 * A memory kill is read from the scope's `Result=oom-kill` where systemd sees it (cgroup v2); on
 * the legacy cgroup v1 hierarchy systemd cannot see it, and a SIGKILL the runner did not send to
 * a task with a memory limit counts as one. A scope keeps no exit code, so a task recovered after
 * a runner restart ends with its outcome marked lost.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { closeLogFiles, openLogFiles } from "../logFiles.js"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type { HakuRiverConfig } from "../../config/index.js"
import type { TaskId } from "../../domain/index.js"
import {
  type ExecRequest,
  type Execution,
  type Executor,
  ExecutorError,
  type ExitResult,
  type TaskHandle
} from "../Executor.js"
import { runCommand } from "./command.js"
import { findExecutable } from "./findExecutable.js"
import { parseShow, parseTaskUnits } from "./systemctlOutput.js"
import {
  listArgs,
  type Privilege,
  resetFailedArgs,
  runArgs,
  showArgs,
  signalArgs,
  stopArgs,
  unitName
} from "./systemdRun.js"

/**
 * Options of the systemd executor.
 * @category models
 */
export interface SystemdExecutorOptions {
  /** `numactl` for NUMA targets (config `[paths] numactl_path`); empty or absent = from PATH. */
  readonly numactlPath?: string | undefined
  /** Go through `sudo -n`; by default when the runner is not root. */
  readonly sudo?: boolean | undefined
  /** How long `systemctl stop` waits after SIGTERM before SIGKILL; default 10 seconds. */
  readonly stopTimeout?: Duration.DurationInput | undefined
  /** How often a recovered unit is checked for its end; default 500 ms. */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** The environment of the control commands; defaults to `PATH`, `HOME`, `LANG`… of the runner. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Where systemd's runtime directory is (its presence means systemd is PID 1); for tests. */
  readonly systemdRuntimeDir?: string | undefined
}

/**
 * The exit code reported for a command that could not be started (as a shell would).
 * @category constants
 */
export const cannotStartExitCode = 127

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
const inherited = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ"] as const

const fail = (reason: ExecutorError["reason"], detail: string) =>
  new ExecutorError({ executor: "systemd", reason, detail })

const signalNumber = (signal: string): number =>
  (os.constants.signals as Record<string, number | undefined>)[signal] ?? 0

/** Whether this machine mounts the legacy cgroup v1 hierarchy (systemd then cannot see OOM kills). */
const legacyCgroups = (): boolean => !fs.existsSync("/sys/fs/cgroup/cgroup.controllers")

/** Repeats a check every `interval` until `done` holds or `tries` checks were made; gives the last value. */
const pollUntil =
  <A>(done: (a: A) => boolean, interval: Duration.Duration, tries: number) =>
  <E>(check: Effect.Effect<A, E>): Effect.Effect<A, E> => {
    const go = (left: number): Effect.Effect<A, E> =>
      Effect.flatMap(check, (a) =>
        done(a) || left <= 1 ? Effect.succeed(a) : Effect.zipRight(Effect.sleep(interval), go(left - 1))
      )
    return go(tries)
  }

/** What `systemctl show` says of a unit that matters here. */
interface UnitState {
  readonly loaded: boolean
  readonly activeState: string
  readonly result: string
}

const stillRunning = (state: UnitState) =>
  state.loaded &&
  (state.activeState === "active" ||
    state.activeState === "activating" ||
    state.activeState === "deactivating" ||
    state.activeState === "reloading")

/**
 * Makes the systemd executor.
 * @category constructors
 * @example
 * const executor = SystemdExecutor.make({ numactlPath: config.paths.numactl_path })
 */
export const make = (options: SystemdExecutorOptions = {}): Executor => {
  const source = options.env ?? process.env
  const env: Record<string, string> = {}
  for (const key of inherited) {
    const value = source[key]
    if (value !== undefined) env[key] = value
  }
  env["PATH"] ??= defaultPath
  const privilege: Privilege = { sudo: options.sudo ?? process.getuid?.() !== 0 }
  const stopTimeoutSeconds = Math.max(
    1,
    Math.ceil(Duration.toSeconds(Duration.decode(options.stopTimeout ?? "10 seconds")))
  )
  const pollInterval = Duration.decode(options.pollInterval ?? "500 millis")
  const runtimeDir = options.systemdRuntimeDir ?? "/run/systemd/system"

  const command = (argv: ReadonlyArray<string>) => runCommand(argv, env)

  const unitState = (unit: string): Effect.Effect<UnitState, ExecutorError> =>
    command(showArgs(privilege, unit, ["LoadState", "ActiveState", "Result"])).pipe(
      Effect.flatMap((out) => {
        if (out.exitCode !== 0) {
          return Effect.fail(
            fail("Failed", `systemctl show ${unit}: ${out.stderr.trim() || `exit ${out.exitCode}`}`)
          )
        }
        const props = parseShow(out.stdout)
        return Effect.succeed({
          loaded: props.get("LoadState") === "loaded",
          activeState: props.get("ActiveState") ?? "inactive",
          result: props.get("Result") ?? ""
        })
      })
    )

  /** Sends a signal to every process of the unit; a unit that is gone is `NotFound`. */
  const signalUnit = (unit: string, signal: string) =>
    command(signalArgs(privilege, unit, signal)).pipe(
      Effect.flatMap((out) =>
        out.exitCode === 0
          ? Effect.void
          : /not loaded|not found|no such/i.test(out.stderr)
            ? Effect.fail(fail("NotFound", `${unit} is not running`))
            : Effect.fail(
                fail("Failed", `${signal} to ${unit}: ${out.stderr.trim() || `exit ${out.exitCode}`}`)
              )
      )
    )

  /** Stops the unit; one that is already gone is fine. */
  const stopUnit = (unit: string) =>
    command(stopArgs(privilege, unit)).pipe(
      Effect.flatMap((out) =>
        out.exitCode === 0 || /not loaded|not found/i.test(out.stderr)
          ? Effect.void
          : Effect.fail(
              fail("Failed", `systemctl stop ${unit}: ${out.stderr.trim() || `exit ${out.exitCode}`}`)
            )
      )
    )

  /** Unloads a failed scope so its name is free again; errors are of no interest here. */
  const releaseUnit = (unit: string) =>
    Effect.gen(function* () {
      const state = yield* unitState(unit)
      if (stillRunning(state)) yield* stopUnit(unit)
      if (state.loaded) yield* command(resetFailedArgs(privilege, unit))
    }).pipe(Effect.ignore)

  /** The scope's final state once systemd has noticed its processes are gone (a short wait). */
  const settledState = (unit: string) =>
    unitState(unit).pipe(
      pollUntil((state) => !stillRunning(state), Duration.millis(50), 60),
      Effect.orElseSucceed((): UnitState => ({ loaded: false, activeState: "inactive", result: "" }))
    )

  const controls = (unit: string, killed: Ref.Ref<boolean>) => ({
    kill: Ref.set(killed, true).pipe(
      Effect.zipRight(stopUnit(unit)),
      Effect.withSpan("SystemdExecutor.kill")
    ),
    pause: signalUnit(unit, "SIGSTOP").pipe(Effect.withSpan("SystemdExecutor.pause")),
    resume: signalUnit(unit, "SIGCONT").pipe(Effect.withSpan("SystemdExecutor.resume"))
  })

  const available = Effect.sync(
    () => fs.existsSync(runtimeDir) && findExecutable("systemd-run", env["PATH"]) !== undefined
  ).pipe(
    Effect.flatMap((ok) =>
      ok && privilege.sudo
        ? command(["sudo", "-n", "systemctl", "--version"]).pipe(
            Effect.map((out) => out.exitCode === 0),
            Effect.orElseSucceed(() => false)
          )
        : Effect.succeed(ok)
    ),
    Effect.withSpan("SystemdExecutor.available")
  )

  const resolveNumactl = (taskId: TaskId, numaNode: number | null) =>
    Effect.suspend(() => {
      if (numaNode === null) return Effect.succeed("numactl")
      const wanted =
        options.numactlPath !== undefined && options.numactlPath.length > 0 ? options.numactlPath : "numactl"
      const found = findExecutable(wanted, env["PATH"])
      return found === undefined
        ? Effect.fail(
            fail(
              "StartFailed",
              `task ${taskId} has a NUMA target but ${wanted} was not found (install numactl or set [paths] numactl_path)`
            )
          )
        : Effect.succeed(found)
    })

  const run = Effect.fn("SystemdExecutor.run")(function* (request: ExecRequest) {
    const { task } = request
    const unit = unitName(task.taskId)
    yield* Effect.annotateCurrentSpan("taskId", task.taskId)
    if (task.gpus.length > 0) {
      return yield* fail("StartFailed", `task ${task.taskId} asks for GPUs, which need a Docker container`)
    }
    const numactl = yield* resolveNumactl(task.taskId, task.numaNode)
    const argv = runArgs(request, { ...privilege, numactl, stopTimeoutSeconds })
    const exited = yield* Deferred.make<{
      readonly code: number | null
      readonly signal: string | null
      readonly error?: string
    }>()
    const killed = yield* Ref.make(false)
    const fds = yield* openLogFiles("systemd", request.logs)

    const child: ChildProcess = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const [program = "", ...args] = argv
          const child = spawn(program, args, {
            cwd: request.sharedDir,
            env,
            detached: true,
            stdio: ["ignore", fds.out, fds.err],
            shell: false
          })
          child.once("error", (error) => {
            if (child.pid === undefined)
              Deferred.unsafeDone(exited, Effect.succeed({ code: null, signal: null, error: error.message }))
          })
          child.once("exit", (code, signal) => Deferred.unsafeDone(exited, Effect.succeed({ code, signal })))
          return child
        },
        catch: (e) => fail("StartFailed", `cannot start ${argv[0]}: ${(e as Error).message}`)
      }).pipe(Effect.ensuring(Effect.sync(() => closeLogFiles(fds)))),
      () =>
        Effect.gen(function* () {
          if (!(yield* Deferred.isDone(exited))) {
            yield* stopUnit(unit).pipe(Effect.ignore)
            yield* Deferred.await(exited).pipe(
              Effect.timeout(Duration.seconds(stopTimeoutSeconds + 5)),
              Effect.ignore
            )
          }
          yield* releaseUnit(unit)
        })
    )

    // Return once the scope exists (or the task has already ended), so that kill, pause and
    // `systemctl show` find the unit from the start.
    yield* unitState(unit).pipe(
      Effect.map((state) => state.loaded),
      Effect.orElseSucceed(() => false),
      pollUntil(
        (loaded) => loaded || child.exitCode !== null || child.signalCode !== null,
        Duration.millis(50),
        200
      )
    )

    const finish = Effect.gen(function* () {
      const end = yield* Deferred.await(exited)
      if (end.error !== undefined) {
        return {
          exitCode: cannotStartExitCode,
          oomKilled: false,
          error: `cannot start ${argv[0]}: ${end.error}`
        } satisfies ExitResult
      }
      const state = yield* settledState(unit)
      const wasKilled = yield* Ref.get(killed)
      const oomKilled =
        state.result === "oom-kill" ||
        (legacyCgroups() && end.signal === "SIGKILL" && !wasKilled && task.memoryBytes !== null)
      return end.code !== null
        ? ({ exitCode: end.code, oomKilled } satisfies ExitResult)
        : ({
            exitCode: 128 + signalNumber(end.signal ?? ""),
            signal: end.signal ?? undefined,
            oomKilled
          } satisfies ExitResult)
    })
    const wait = yield* Effect.cached(finish)

    const handle: TaskHandle = { kind: "systemd", taskId: task.taskId, ref: unit }
    return { handle, wait, ...controls(unit, killed) } satisfies Execution
  })

  const survivors = command(listArgs(privilege)).pipe(
    Effect.flatMap((out) =>
      out.exitCode === 0
        ? Effect.succeed(
            parseTaskUnits(out.stdout).map(
              ({ taskId, unit }): TaskHandle => ({ kind: "systemd", taskId: taskId as TaskId, ref: unit })
            )
          )
        : Effect.fail(fail("Failed", `systemctl list-units: ${out.stderr.trim() || `exit ${out.exitCode}`}`))
    ),
    Effect.withSpan("SystemdExecutor.survivors")
  )

  const recover = Effect.fn("SystemdExecutor.recover")(function* (
    handle: TaskHandle,
    _logs: ExecRequest["logs"]
  ) {
    const unit = unitName(handle.taskId)
    const state = yield* unitState(unit)
    if (!state.loaded) return Option.none<Execution>()
    yield* Effect.addFinalizer(() => releaseUnit(unit))
    const killed = yield* Ref.make(false)
    const wait: Effect.Effect<ExitResult, ExecutorError> = unitState(unit).pipe(
      pollUntil((state) => !stillRunning(state), pollInterval, Number.POSITIVE_INFINITY),
      Effect.map(
        (end): ExitResult => ({
          exitCode: -1,
          oomKilled: end.result === "oom-kill",
          lost: true,
          error:
            end.result === "oom-kill"
              ? "the task was killed for exceeding its memory limit while the runner was away"
              : "the runner restarted while this task ran; systemd keeps no exit code for a scope, so its exit status is unknown"
        })
      )
    )
    return Option.some<Execution>({ handle: { ...handle, ref: unit }, wait, ...controls(unit, killed) })
  })

  return { kind: "systemd", available, run, survivors, recover }
}

/**
 * The systemd executor configured from the HakuRiver config (`[paths] numactl_path`).
 * @category constructors
 */
export const fromConfig = (
  config: HakuRiverConfig,
  options: Omit<SystemdExecutorOptions, "numactlPath"> = {}
): Executor => make({ ...options, numactlPath: config.paths.numactl_path })
