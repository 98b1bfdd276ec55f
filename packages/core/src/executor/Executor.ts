/**
 * The executor contract: one driver interface with one implementation per backend (Docker,
 * systemd, plain process), after Nomad's `plugins/drivers/driver.go`. Results are plain values.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { ExecutorKind, Task, TaskId } from "../domain/index.js"

/**
 * Everything an executor needs to start a task on this node.
 * @category models
 */
export interface ExecRequest {
  readonly task: Task
  /** Absolute paths of the task's log files (on the shared dir). */
  readonly logs: { readonly stdout: string; readonly stderr: string }
  readonly sharedDir: string
  readonly localTempDir: string
  /** CPUs and memory nodes of the NUMA target, resolved from the probed topology. */
  readonly cpuset?: { readonly cpus: ReadonlyArray<number>; readonly mems: ReadonlyArray<number> } | undefined
}

/**
 * How a task ended.
 * @category models
 */
export interface ExitResult {
  readonly exitCode: number
  /** The signal that ended it, when one did (`SIGKILL`). */
  readonly signal?: string | undefined
  readonly oomKilled: boolean
  /** Set when the executor could not run the task at all or lost it. */
  readonly error?: string | undefined
  /** The executor lost track of the task (e.g. after a runner restart): its outcome is unknown. */
  readonly lost?: boolean | undefined
}

/**
 * Enough to find a task again after a runner restart: a container id, a unit name, a pid.
 * @category models
 */
export interface TaskHandle {
  readonly kind: ExecutorKind
  readonly taskId: TaskId
  readonly ref: string
}

/**
 * A started task.
 * @category models
 */
export interface Execution {
  readonly handle: TaskHandle
  /** Waits for the end; output has been flushed to the log files when it succeeds. */
  readonly wait: Effect.Effect<ExitResult, ExecutorError>
  readonly kill: Effect.Effect<void, ExecutorError>
  readonly pause: Effect.Effect<void, ExecutorError>
  readonly resume: Effect.Effect<void, ExecutorError>
}

/**
 * Why an executor failed.
 * @category errors
 */
export class ExecutorError extends Schema.TaggedError<ExecutorError>()("ExecutorError", {
  executor: Schema.String,
  reason: Schema.Literal("Unavailable", "StartFailed", "NotFound", "Failed"),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.executor}: ${this.detail}`
  }
}

/**
 * A task driver.
 * @category models
 */
export interface Executor {
  readonly kind: ExecutorKind
  /** Whether this backend works on this machine now (engine answers, systemd is PID 1…). */
  readonly available: Effect.Effect<boolean>
  /**
   * Starts a task. Closing the scope releases what the executor holds for it (the container is
   * removed, the unit collected) after the result has been read.
   */
  readonly run: (request: ExecRequest) => Effect.Effect<Execution, ExecutorError, Scope.Scope>
  /** The tasks of this backend that outlived a runner restart. */
  readonly survivors: Effect.Effect<ReadonlyArray<TaskHandle>, ExecutorError>
  /** Re-attaches to a surviving task; `None` when it is gone. */
  readonly recover: (
    handle: TaskHandle,
    logs: ExecRequest["logs"]
  ) => Effect.Effect<Option.Option<Execution>, ExecutorError, Scope.Scope>
}

/**
 * The executors a runner has, by kind.
 * @category tags
 */
export class Executors extends Context.Tag("@hakuriver/sdk/Executors")<
  Executors,
  ReadonlyMap<ExecutorKind, Executor>
>() {}
