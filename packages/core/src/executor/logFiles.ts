/**
 * The task's log files as file descriptors for a child process (process and systemd executors):
 * opened for append, with a clear error when they cannot be opened or the disk is full.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { type ExecRequest, ExecutorError } from "./Executor.js"

/** Open descriptors of a task's stdout and stderr files (one when both are the same file). */
export interface LogFds {
  readonly out: number
  readonly err: number
}

/** Below this many free bytes the log dir counts as full: a task could not write its output. */
export const minimumFreeBytes = 64 * 1024

/** Why a task cannot start when its log files cannot be opened. */
export const cannotOpenLogs = (detail: string): string => `cannot open the log files: ${detail}`

/** Why a task cannot start when the file system of its log files is full. */
export const logDirFull = (dir: string, free: number): string =>
  `cannot write the log files: no space left on device (ENOSPC) in ${dir}, ${free} bytes free`

/** Closes the descriptors. */
export const closeLogFiles = (fds: LogFds): void => {
  fs.closeSync(fds.out)
  if (fds.err !== fds.out) fs.closeSync(fds.err)
}

/**
 * Opens (creating the folder) the log files of a task for `executor`; fails with `StartFailed`
 * when they cannot be opened or their file system is full, so the task ends with that reason.
 * @category constructors
 */
export const openLogFiles = (
  executor: string,
  logs: ExecRequest["logs"]
): Effect.Effect<LogFds, ExecutorError> => {
  const startFailed = (detail: string) => new ExecutorError({ executor, reason: "StartFailed", detail })
  const open = Effect.try({
    try: (): LogFds => {
      fs.mkdirSync(path.dirname(logs.stdout), { recursive: true })
      fs.mkdirSync(path.dirname(logs.stderr), { recursive: true })
      const out = fs.openSync(logs.stdout, "a")
      const err = logs.stderr === logs.stdout ? out : fs.openSync(logs.stderr, "a")
      return { out, err }
    },
    catch: (e) => startFailed(cannotOpenLogs((e as Error).message))
  })
  return Effect.flatMap(open, (fds) => {
    const dir = path.dirname(logs.stdout)
    const found = Effect.try(() => fs.statfsSync(dir)).pipe(Effect.option)
    return Effect.flatMap(found, (stats) => {
      const free = stats._tag === "Some" ? stats.value.bavail * stats.value.bsize : Number.POSITIVE_INFINITY
      if (free >= minimumFreeBytes) return Effect.succeed(fds)
      closeLogFiles(fds)
      return Effect.fail(startFailed(logDirFull(dir, free)))
    })
  })
}
