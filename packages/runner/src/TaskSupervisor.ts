/**
 * The task supervisor: accepts tasks from the host, runs each in its own fiber (a `FiberMap`
 * keyed by task id) through the executor chosen for it, reports every status change through the
 * {@link StatusOutbox}, handles kill/pause/resume, and after a runner restart re-attaches to the
 * tasks that outlived it (each executor's `survivors`/`recover`) or reports them lost — a task
 * never stays `running` forever.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import {
  BadRequest,
  Conflict,
  type ExecutorKind,
  NotFound,
  RunAccepted,
  StatusUpdate,
  type Task,
  type TaskId,
  type TaskStatus,
  Unavailable
} from "@hakuriver/sdk"
import {
  type ExecRequest,
  type Execution,
  type Executor,
  Executors,
  ProcessExecutor,
  type TaskHandle
} from "@hakuriver/sdk/executor"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import * as FiberMap from "effect/FiberMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as ActiveTasks from "./ActiveTasks.js"
import { chooseExecutor, type ExecutorSetting } from "./executorChoice.js"
import { Probe } from "./probe/Probe.js"
import { StatusOutbox } from "./StatusOutbox.js"
import { joinMessages, outcomeOf, type TaskOutcome } from "./taskOutcome.js"
import * as Withdrawn from "./Withdrawn.js"

/**
 * Options of the supervisor.
 * @category models
 */
export interface TaskSupervisorOptions {
  readonly sharedDir: string
  readonly localTempDir: string
  /** `[runner] executor`. */
  readonly executor: ExecutorSetting
  /** The file of the active-task record (under the runner's state folder). */
  readonly stateFile: string
  /**
   * After a restart, how often an executor that has recorded tasks is asked whether it is
   * available before its tasks are given up as lost (default 60 times, every second).
   */
  readonly recoveryAttempts?: number | undefined
  readonly recoveryRetryInterval?: Duration.DurationInput | undefined
}

/**
 * The supervisor service.
 * @category tags
 */
export class TaskSupervisor extends Context.Tag("@hakuriver/runner/TaskSupervisor")<
  TaskSupervisor,
  {
    readonly run: (task: Task) => Effect.Effect<RunAccepted, BadRequest | Conflict | Unavailable>
    readonly kill: (id: TaskId) => Effect.Effect<void, NotFound>
    /**
     * Stops a task the host does not run here (a heartbeat's answer: unknown, finished, placed
     * elsewhere or queued again), without reporting its end: the host would refuse that report,
     * or take it for the task's newer placement on this node.
     */
    readonly discard: (id: TaskId) => Effect.Effect<void, NotFound>
    readonly pause: (id: TaskId) => Effect.Effect<void, NotFound | Conflict>
    readonly resume: (id: TaskId) => Effect.Effect<void, NotFound | Conflict>
    /** Tasks that run here (starting, running, paused), plus finished ones not yet reported. */
    readonly running: Effect.Effect<ReadonlyArray<TaskId>>
    /**
     * The host gave up on `attempt` of a task (its run request got no answer): `running` when the
     * task runs here (or ended here, not yet reported), else `withdrawn`, and a run request of
     * that attempt is refused from now on, even one already being prepared.
     */
    readonly withdraw: (id: TaskId, attempt: number) => Effect.Effect<"running" | "withdrawn">
    /** The executors that work on this machine now. */
    readonly availableExecutors: Effect.Effect<ReadonlyArray<ExecutorKind>>
  }
>() {}

/** A task this runner is responsible for. Mutated only inside `Effect.sync`. */
interface Entry {
  readonly taskId: TaskId
  readonly task: Task | undefined
  readonly kind: ExecutorKind
  readonly warning: string | undefined
  execution: Execution | undefined
  paused: boolean
  killRequested: boolean
  /** Stopped for the host (`discard`): its end is not reported. */
  discarded: boolean
  finished: boolean
  /** Done once `execution` is known (started, or found again after a restart). */
  readonly attached: Deferred.Deferred<Execution>
}

/** A task the supervisor has not started (or found again) yet. */
const newEntry = (fields: Pick<Entry, "taskId" | "task" | "kind" | "warning" | "paused">): Entry => ({
  ...fields,
  execution: undefined,
  killRequested: false,
  discarded: false,
  finished: false,
  attached: Deferred.unsafeMake(FiberId.none)
})

/** Records the execution of an entry and wakes what waits for it. */
const attach = (entry: Entry, execution: Execution): void => {
  entry.execution = execution
  Deferred.unsafeDone(entry.attached, Effect.succeed(execution))
}

/**
 * How long a pause or resume waits for a task that is still starting: the host shows a task
 * running as soon as the runner accepted it, a moment before its process exists.
 */
const startWait = Duration.seconds(5)

const now = () => new Date().toISOString()

/** The log files of a task: the host's paths, else `SHARED/task_outputs/ID.out|.err`. */
const logsOf = (sharedDir: string, taskId: TaskId, task: Task | undefined): ExecRequest["logs"] => {
  const pick = (given: string | undefined, ext: string) =>
    given === undefined || given === ""
      ? path.join(sharedDir, "task_outputs", `${taskId}.${ext}`)
      : path.resolve(sharedDir, given)
  return { stdout: pick(task?.stdoutPath, "out"), stderr: pick(task?.stderrPath, "err") }
}

/**
 * Builds the supervisor, re-attaching to the tasks a previous runner left.
 * @category constructors
 */
export const make = (options: TaskSupervisorOptions) =>
  Effect.gen(function* () {
    const executors = yield* Executors
    const outbox = yield* StatusOutbox
    const probe = yield* Probe
    const active = yield* ActiveTasks.open(options.stateFile)
    const fibers = yield* FiberMap.make<TaskId>()
    const entries = new Map<TaskId, Entry>()
    const withdrawn = Withdrawn.make()

    // Asking every engine for every task would cost a ping each (seconds when Docker is down).
    const availableKinds = yield* Effect.cachedWithTTL(
      Effect.filter([...executors.values()], (e: Executor) => e.available, { concurrency: "unbounded" }).pipe(
        Effect.map((list) => list.map((e) => e.kind))
      ),
      "5 seconds"
    )

    const report = (taskId: TaskId, status: TaskStatus, details: Omit<TaskOutcome, "status"> = {}) =>
      outbox.push(
        new StatusUpdate(
          {
            taskId,
            status,
            at: now(),
            ...(details.exitCode === undefined ? {} : { exitCode: details.exitCode }),
            ...(details.error === undefined ? {} : { error: details.error })
          },
          // our own values: the send encodes (and checks) them once
          true
        )
      )

    const remember = (entry: Entry) =>
      entry.task === undefined || entry.finished
        ? Effect.void
        : active.set(
            new ActiveTasks.ActiveTask(
              {
                task: entry.task,
                kind: entry.kind,
                paused: entry.paused,
                warning: entry.warning ?? null
              },
              // the task was decoded from its run request (or the state file): checking it again
              // cost ~20 µs a time
              true
            )
          )

    /** Reports the final status once (unless the task was discarded), then forgets the task. */
    const finish = (entry: Entry, outcome: TaskOutcome) =>
      Effect.gen(function* () {
        if (entry.finished) return
        entry.finished = true
        if (!entry.discarded) {
          yield* report(entry.taskId, outcome.status, {
            exitCode: outcome.exitCode,
            error: joinMessages(entry.warning, outcome.error)
          })
        }
        entries.delete(entry.taskId)
        yield* active.remove(entry.taskId)
        yield* Effect.logInfo(
          entry.discarded
            ? `task ${entry.taskId} stopped, not reported`
            : `task ${entry.taskId} ${outcome.status}${outcome.exitCode === undefined ? "" : ` (exit code ${outcome.exitCode})`}`
        )
      }).pipe(Effect.uninterruptible)

    /** Waits for the end of a started (or recovered) task and reports it. */
    const watch = (entry: Entry, execution: Execution) =>
      Effect.gen(function* () {
        const result = yield* execution.wait
        yield* finish(entry, outcomeOf(result, entry.killRequested))
      }).pipe(
        Effect.catchAll((error) =>
          finish(entry, entry.killRequested ? { status: "killed" } : { status: "lost", error: error.message })
        )
      )

    const life = (entry: Entry, executor: Executor, request: ExecRequest) =>
      Effect.gen(function* () {
        const started = yield* Effect.either(executor.run(request))
        if (Either.isLeft(started)) {
          return yield* finish(
            entry,
            entry.killRequested ? { status: "killed" } : { status: "failed", error: started.left.message }
          )
        }
        const execution = started.right
        // recorded when accepted: a restarted runner finds the task again through its executor
        // (a container's label, a unit's name, a pid file), so the record needs no handle
        attach(entry, execution)
        yield* report(entry.taskId, "running", { error: entry.warning })
        if (entry.killRequested) yield* Effect.ignore(execution.kill)
        yield* watch(entry, execution)
      }).pipe(
        Effect.scoped,
        Effect.annotateLogs({ taskId: entry.taskId, executor: entry.kind }),
        Effect.withSpan("TaskSupervisor.task", { attributes: { taskId: entry.taskId, executor: entry.kind } })
      )

    const withdrawnAttempt = (task: Task) =>
      new Unavailable({
        message: `attempt ${task.attempt} of task ${task.taskId} was withdrawn by the host`
      })

    const run = (task: Task) =>
      Effect.gen(function* () {
        if (withdrawn.covers(task.taskId, task.attempt)) return yield* withdrawnAttempt(task)
        const existing = entries.get(task.taskId)
        if (existing?.discarded === true)
          // the host placed it here again while the copy it gave up on is still stopping
          return yield* new Unavailable({
            message: `an earlier copy of task ${task.taskId} is still stopping here`
          })
        if (existing !== undefined)
          return yield* new Conflict({ message: `task ${task.taskId} already runs here` })
        const kinds = new Set(yield* availableKinds)
        const choice = chooseExecutor(task.container, options.executor, kinds)
        if (Either.isLeft(choice)) return yield* new Unavailable({ message: choice.left })
        const { kind } = choice.right
        const executor = executors.get(kind)
        if (executor === undefined)
          return yield* new Unavailable({ message: `no ${kind} executor on this runner` })
        let cpuset: ExecRequest["cpuset"]
        if (task.numaNode !== null) {
          const node = probe.resources.numa.find((n) => n.id === task.numaNode)
          if (node === undefined)
            return yield* new BadRequest({
              message: `NUMA node ${task.numaNode} does not exist on this runner`
            })
          cpuset = { cpus: node.cpus, mems: [node.id] }
        }
        // (the systemd executor refuses GPU tasks; the process executor's warning names them)
        const warning = joinMessages(
          choice.right.warning,
          kind === "process" ? ProcessExecutor.limitsWarning(task) : undefined
        )
        const logs = logsOf(options.sharedDir, task.taskId, task)
        yield* Effect.try(() => {
          fs.mkdirSync(options.sharedDir, { recursive: true })
          fs.mkdirSync(options.localTempDir, { recursive: true })
          fs.mkdirSync(path.dirname(logs.stdout), { recursive: true })
          fs.mkdirSync(path.dirname(logs.stderr), { recursive: true })
        }).pipe(
          Effect.mapError(
            (e) => new Unavailable({ message: `cannot prepare the task folders: ${String(e.error)}` })
          )
        )
        const entry = newEntry({ taskId: task.taskId, task, kind, warning, paused: false })
        // Checked again here: the checks above may have suspended while another run, or the
        // host's withdrawal of this attempt, came in.
        if (entries.has(task.taskId))
          return yield* new Conflict({ message: `task ${task.taskId} already runs here` })
        if (withdrawn.covers(task.taskId, task.attempt)) return yield* withdrawnAttempt(task)
        entries.set(task.taskId, entry)
        yield* remember(entry)
        const request: ExecRequest = {
          task,
          logs,
          sharedDir: options.sharedDir,
          localTempDir: options.localTempDir,
          ...(cpuset === undefined ? {} : { cpuset })
        }
        yield* FiberMap.run(fibers, task.taskId, life(entry, executor, request))
        return new RunAccepted({ taskId: task.taskId, executor: kind }, true)
      }).pipe(
        Effect.uninterruptible,
        Effect.withSpan("TaskSupervisor.run", { attributes: { taskId: task.taskId } })
      )

    const lookup = (id: TaskId) =>
      Effect.suspend(() => {
        const entry = entries.get(id)
        return entry === undefined || entry.finished
          ? Effect.fail(new NotFound({ message: `task ${id} does not run on this runner` }))
          : Effect.succeed(entry)
      })

    const stop = (id: TaskId, discard: boolean) =>
      Effect.gen(function* () {
        const entry = yield* lookup(id)
        entry.killRequested = true
        if (discard) entry.discarded = true
        if (entry.execution === undefined) {
          // Not yet re-attached after a restart: the recovery kills it when it finds it.
          if (!(yield* FiberMap.has(fibers, id))) return
          // Still starting (e.g. loading an image): stop the start and report the kill (unless discarded).
          yield* FiberMap.remove(fibers, id)
          yield* finish(entry, { status: "killed", error: "killed before it started" })
          return
        }
        yield* entry.execution.kill.pipe(
          Effect.catchAll((e) => Effect.logWarning(`kill of task ${id} failed: ${e.message}`))
        )
      }).pipe(Effect.withSpan("TaskSupervisor.stop", { attributes: { taskId: id, discard } }))

    const setPaused = (id: TaskId, paused: boolean) =>
      Effect.gen(function* () {
        const entry = yield* lookup(id)
        const execution = yield* Deferred.await(entry.attached).pipe(
          Effect.timeoutFail({
            duration: startWait,
            onTimeout: () => new Conflict({ message: `task ${id} has not started yet` })
          })
        )
        if (entry.paused === paused)
          return yield* new Conflict({ message: `task ${id} is already ${paused ? "paused" : "running"}` })
        yield* (paused ? execution.pause : execution.resume).pipe(
          Effect.mapError((e) => new Conflict({ message: e.message }))
        )
        entry.paused = paused
        yield* remember(entry)
        yield* report(id, paused ? "paused" : "running")
      }).pipe(
        Effect.withSpan(paused ? "TaskSupervisor.pause" : "TaskSupervisor.resume", {
          attributes: { taskId: id }
        })
      )

    // Re-attach to what a previous runner left behind. Every recorded task counts as running
    // (heartbeats list it) until its fate is known; each executor kind is handled in its own
    // fiber, waiting a while for an engine that is slow to answer before giving its tasks up.
    const stored = yield* active.all
    const recordsByKind = new Map<ExecutorKind, Array<ActiveTasks.ActiveTask>>()
    for (const record of stored) {
      entries.set(
        record.task.taskId,
        newEntry({
          taskId: record.task.taskId,
          task: record.task,
          kind: record.kind,
          warning: record.warning ?? undefined,
          paused: record.paused
        })
      )
      recordsByKind.set(record.kind, [...(recordsByKind.get(record.kind) ?? []), record])
    }

    /** A recorded task that cannot be found again: lost, unless a kill was asked for meanwhile. */
    const lostUnlessKilled = (entry: Entry, error: string): TaskOutcome =>
      entry.killRequested ? { status: "killed" } : { status: "lost", error }

    const reattach = (entry: Entry, executor: Executor, handle: TaskHandle) =>
      Effect.gen(function* () {
        const found = yield* executor.recover(handle, logsOf(options.sharedDir, handle.taskId, entry.task))
        if (Option.isNone(found)) {
          return yield* finish(entry, lostUnlessKilled(entry, "the task was gone after a runner restart"))
        }
        attach(entry, found.value)
        yield* Effect.logInfo(`re-attached to task ${handle.taskId} (${handle.kind})`)
        if (entry.killRequested) yield* Effect.ignore(found.value.kill)
        yield* watch(entry, found.value)
      }).pipe(
        Effect.catchAll((e) =>
          finish(entry, { status: "lost", error: `cannot re-attach after a restart: ${e.message}` })
        ),
        Effect.scoped,
        Effect.annotateLogs({ taskId: handle.taskId, executor: handle.kind })
      )

    const recoverKind = (kind: ExecutorKind, records: ReadonlyArray<ActiveTasks.ActiveTask>) =>
      Effect.gen(function* () {
        const gone = (error: string) =>
          Effect.forEach(records, (r) => {
            const entry = entries.get(r.task.taskId)
            return entry === undefined ? Effect.void : finish(entry, lostUnlessKilled(entry, error))
          })
        const executor = executors.get(kind)
        if (executor === undefined) return yield* gone(`the runner restarted without its ${kind} executor`)
        const up = yield* executor.available.pipe(
          Effect.filterOrFail((ok) => ok),
          Effect.retry({
            schedule: Schedule.spaced(options.recoveryRetryInterval ?? "1 second"),
            times: records.length === 0 ? 0 : (options.recoveryAttempts ?? 60)
          }),
          Effect.orElseSucceed(() => false)
        )
        if (!up) return yield* gone(`the ${kind} executor was not available after the runner restarted`)
        const handles = yield* executor.survivors.pipe(
          Effect.retry({
            schedule: Schedule.spaced(options.recoveryRetryInterval ?? "1 second"),
            times: records.length === 0 ? 0 : 10
          }),
          Effect.catchAll((e) =>
            Effect.as(Effect.logWarning(`cannot list ${kind} survivors: ${e.message}`), [])
          )
        )
        const found = new Set<TaskId>()
        for (const handle of handles) {
          if (handle.kind !== kind || found.has(handle.taskId)) continue
          let entry = entries.get(handle.taskId)
          if (entry === undefined) {
            // Docker containers carry this node's label; a unit or process this runner never
            // recorded may belong to another runner on the same machine.
            if (kind !== "docker") continue
            entry = newEntry({
              taskId: handle.taskId,
              task: undefined,
              kind,
              warning: undefined,
              paused: false
            })
            entries.set(handle.taskId, entry)
          } else if (entry.kind !== kind || entry.finished) continue
          found.add(handle.taskId)
          yield* FiberMap.run(fibers, handle.taskId, reattach(entry, executor, handle))
        }
        for (const record of records) {
          if (found.has(record.task.taskId)) continue
          const entry = entries.get(record.task.taskId)
          if (entry !== undefined)
            yield* finish(
              entry,
              lostUnlessKilled(entry, "the runner restarted and the task was no longer running")
            )
        }
      }).pipe(Effect.annotateLogs({ executor: kind }))

    const kindsToRecover = new Set<ExecutorKind>([
      ...recordsByKind.keys(),
      ...(executors.has("docker") ? ["docker" as const] : [])
    ])
    for (const kind of kindsToRecover) {
      yield* Effect.forkScoped(recoverKind(kind, recordsByKind.get(kind) ?? []))
    }

    const running = Effect.gen(function* () {
      const pending = yield* outbox.unreportedFinal
      return [...new Set([...entries.keys(), ...pending])]
    })

    return TaskSupervisor.of({
      run,
      kill: (id) => stop(id, false),
      discard: (id) => stop(id, true),
      pause: (id) => setPaused(id, true),
      resume: (id) => setPaused(id, false),
      running,
      withdraw: (id, attempt) =>
        Effect.flatMap(outbox.unreportedFinal, (ended) =>
          // one synchronous step: no run of the task can slip in between the look and the record
          Effect.sync(() => {
            const entry = entries.get(id)
            if ((entry !== undefined && !entry.discarded) || ended.includes(id)) return "running" as const
            withdrawn.add(id, attempt)
            return "withdrawn" as const
          })
        ).pipe(Effect.withSpan("TaskSupervisor.withdraw", { attributes: { taskId: id, attempt } })),
      availableExecutors: availableKinds
    })
  }).pipe(Effect.annotateLogs("service", "TaskSupervisor"))

/**
 * The supervisor as a layer; its task fibers live as long as the layer.
 * @category layers
 */
export const layer = (
  options: TaskSupervisorOptions
): Layer.Layer<TaskSupervisor, never, Executors | StatusOutbox | Probe> =>
  Layer.scoped(TaskSupervisor, make(options))
