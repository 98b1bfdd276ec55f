/**
 * Which executor runs a task: a pure decision from the task's container choice, the configured
 * `[runner] executor` and the executors that work on this machine now.
 *
 * - `auto`: `NULL` → systemd, else process; an environment → Docker, else systemd, else process.
 * - a forced kind runs everything with that kind (a `NULL` task never goes to Docker: it takes
 *   the `auto` fallback instead).
 * Every fallback carries a warning that the runner records in the task's error field.
 *
 * @since 0.1.0
 */
import type { ContainerChoice, ExecutorKind } from "@hakuriver/sdk"
import * as Either from "effect/Either"

/**
 * The configured executor: `auto` or one kind.
 * @category models
 */
export type ExecutorSetting = "auto" | ExecutorKind

/**
 * The chosen executor and, for a fallback, why.
 * @category models
 */
export interface ExecutorChoice {
  readonly kind: ExecutorKind
  readonly warning?: string | undefined
}

const fallbackFor = (
  container: ContainerChoice,
  available: ReadonlySet<ExecutorKind>
): Either.Either<ExecutorChoice, string> => {
  if (container === "NULL") {
    if (available.has("systemd")) return Either.right({ kind: "systemd" })
    if (available.has("process"))
      return Either.right({
        kind: "process",
        warning: "systemd is not available on this runner: ran as a plain process without resource limits"
      })
    return Either.left("neither systemd nor the process executor is available on this runner")
  }
  if (available.has("docker")) return Either.right({ kind: "docker" })
  for (const kind of ["systemd", "process"] as const) {
    if (available.has(kind))
      return Either.right({
        kind,
        warning: `Docker is not available on this runner: environment ${container} not used, ran with ${kind}`
      })
  }
  return Either.left("no executor is available on this runner")
}

/**
 * Chooses the executor of a task, or says why none can run it.
 * @category constructors
 */
export const chooseExecutor = (
  container: ContainerChoice,
  setting: ExecutorSetting,
  available: ReadonlySet<ExecutorKind>
): Either.Either<ExecutorChoice, string> => {
  if (setting === "auto" || (setting === "docker" && container === "NULL"))
    return fallbackFor(container, available)
  if (!available.has(setting))
    return Either.left(`the configured executor ${setting} is not available on this runner`)
  if (container !== "NULL" && setting !== "docker")
    return Either.right({
      kind: setting,
      warning: `this runner runs every task with ${setting} ([runner] executor): environment ${container} not used`
    })
  return Either.right({ kind: setting })
}
