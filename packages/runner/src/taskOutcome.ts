/**
 * How an executor's result becomes the status the runner reports: completed, failed, killed,
 * killed_oom or lost, with the exit code and an error text.
 *
 * @since 0.1.0
 */
import type { TaskStatus } from "@hakuriver/sdk"
import type { ExitResult } from "@hakuriver/sdk/executor"

/**
 * A final status with its details.
 * @category models
 */
export interface TaskOutcome {
  readonly status: TaskStatus
  readonly exitCode?: number | undefined
  readonly error?: string | undefined
}

/**
 * The outcome of a result. A kill the runner asked for wins (the task ends `killed` whatever
 * code the signal left); then an unknown outcome (`lost`), the OOM killer, a clean exit 0, and
 * everything else is `failed`.
 * @category constructors
 */
export const outcomeOf = (result: ExitResult, killRequested: boolean): TaskOutcome => {
  const exitCode = result.lost ? undefined : result.exitCode
  if (killRequested) return { status: "killed", exitCode, error: result.lost ? undefined : result.error }
  if (result.lost) return { status: "lost", error: result.error ?? "the executor lost the task" }
  if (result.oomKilled)
    return { status: "killed_oom", exitCode, error: result.error ?? "killed by the OOM killer" }
  if (result.exitCode === 0 && result.signal === undefined && result.error === undefined)
    return { status: "completed", exitCode: 0 }
  const error = result.error ?? (result.signal === undefined ? undefined : `terminated by ${result.signal}`)
  return { status: "failed", exitCode, error }
}

/**
 * Joins warnings and errors into one error text, or `undefined` when there is none.
 * @category constructors
 */
export const joinMessages = (...parts: ReadonlyArray<string | undefined | null>): string | undefined => {
  const text = parts.filter((p): p is string => p !== undefined && p !== null && p !== "").join("; ")
  return text === "" ? undefined : text
}
