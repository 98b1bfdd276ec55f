/**
 * Runs a short control command (`systemctl …`) from an argument array — never a shell — and
 * collects its exit code and output.
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import * as Effect from "effect/Effect"
import { ExecutorError } from "../Executor.js"

/**
 * What a finished command printed and how it exited.
 * @category models
 */
export interface CommandOutput {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `argv` and succeeds with its output whatever its exit code; fails only when it cannot be
 * started or runs past `timeoutMs`.
 * @category constructors
 */
export const runCommand = (
  argv: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000
): Effect.Effect<CommandOutput, ExecutorError> =>
  Effect.async<CommandOutput, ExecutorError>((resume) => {
    const [program = "", ...args] = argv
    const child = execFile(
      program,
      args,
      { env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          const why = error.killed ? `timed out after ${timeoutMs} ms` : error.message
          resume(
            Effect.fail(
              new ExecutorError({
                executor: "systemd",
                reason: "Failed",
                detail: `${argv.join(" ")}: ${why}`
              })
            )
          )
          return
        }
        resume(Effect.succeed({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr }))
      }
    )
    return Effect.sync(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    })
  }).pipe(Effect.withSpan("SystemdExecutor.command", { attributes: { argv: argv.join(" ") } }))
