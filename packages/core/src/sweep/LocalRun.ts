/**
 * Local runs of a sweep: every run is a child process started from an argument array (never a
 * shell), one after the other or several at a time, with its exit code recorded. Runs share this
 * process's stdout and stderr; their stdin is empty.
 *
 * @since 0.1.0
 */
import * as os from "node:os"
import * as Command from "@effect/platform/Command"
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { InvalidInput } from "../domain/InvalidInput.js"
import { expand } from "./expand.js"

/**
 * The outcome of one run. `exitCode` is `null` when the process could not start or was ended by
 * a signal; `error` then says why.
 * @category models
 */
export class RunResult extends Schema.Class<RunResult>("RunResult")({
  /** Position of the run in expansion order, from 0. */
  index: Schema.NonNegativeInt,
  command: Schema.Array(Schema.String),
  exitCode: Schema.NullOr(Schema.Int),
  error: Schema.optional(Schema.String),
  durationMs: Schema.NonNegative
}) {
  /** Whether the run exited with code 0. */
  get ok(): boolean {
    return this.exitCode === 0
  }
}

/**
 * The outcome of a whole sweep: every run's result in expansion order, and the counts.
 * @category models
 */
export class SweepReport extends Schema.Class<SweepReport>("SweepReport")({
  results: Schema.Array(RunResult),
  ok: Schema.NonNegativeInt,
  failed: Schema.NonNegativeInt
}) {
  /** The one-line summary, e.g. `3 runs: 3 ok, 0 failed`. */
  get summary(): string {
    const n = this.results.length
    return `${n} run${n === 1 ? "" : "s"}: ${this.ok} ok, ${this.failed} failed`
  }
}

/** How to run a sweep locally. */
export interface LocalRunOptions {
  /** Run several at a time (default: one after the other). */
  readonly parallel?: boolean | undefined
  /** At most this many runs at a time when `parallel` (default: {@link defaultJobs}). */
  readonly jobs?: number | undefined
  /** Working directory of the runs (default: this process's). */
  readonly cwd?: string | undefined
  /** Extra environment variables, added to this process's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** Called as each run ends (in completion order). */
  readonly onResult?: ((result: RunResult) => Effect.Effect<void>) | undefined
}

/** The default number of parallel runs: the number of CPU cores. */
export const defaultJobs = (): number => os.availableParallelism()

const describeFailure = (command: ReadonlyArray<string>, e: { readonly message: string }) => {
  const notFound = /ENOENT/.test(e.message)
  if (notFound) return `cannot start ${JSON.stringify(command[0] ?? "")}: command not found`
  const signal = /signal: (\w+)/.exec(e.message)?.[1]
  return signal !== undefined ? `ended by ${signal}` : e.message
}

/**
 * Runs one command as a child process and waits for it. Never fails: a process that cannot
 * start or dies by a signal is a result with `exitCode: null`.
 * @category running
 */
export const runCommand = Effect.fn("Sweep.runCommand")(function* (
  command: ReadonlyArray<string>,
  index: number,
  options: LocalRunOptions = {}
) {
  const started = yield* Clock.currentTimeMillis
  const [program, ...args] = command
  const outcome: Either.Either<number, string> =
    program === undefined
      ? Either.left("empty command")
      : yield* Command.make(program, ...args).pipe(
          Command.stdin(Stream.empty),
          Command.stdout("inherit"),
          Command.stderr("inherit"),
          (c) => (options.cwd === undefined ? c : Command.workingDirectory(c, options.cwd)),
          (c) => (options.env === undefined ? c : Command.env(c, options.env)),
          Command.exitCode,
          Effect.map((code) => Either.right(code)),
          Effect.catchAll((e) => Effect.succeed(Either.left(describeFailure(command, e))))
        )
  const ended = yield* Clock.currentTimeMillis
  return new RunResult({
    index,
    command,
    durationMs: ended - started,
    ...Either.match(outcome, {
      onLeft: (error) => ({ exitCode: null, error }),
      onRight: (exitCode) => ({ exitCode })
    })
  })
})

/**
 * Runs already-expanded commands, sequentially or in parallel, and reports every result.
 * Interrupting it stops the running processes.
 * @category running
 */
export const runCommands = Effect.fn("Sweep.runCommands")(function* (
  commands: ReadonlyArray<ReadonlyArray<string>>,
  options: LocalRunOptions = {}
) {
  const concurrency = options.parallel ? Math.max(1, Math.floor(options.jobs ?? defaultJobs())) : 1
  const results = yield* Effect.forEach(
    commands,
    (command, index) =>
      runCommand(command, index, options).pipe(
        Effect.tap((result) => (options.onResult === undefined ? Effect.void : options.onResult(result)))
      ),
    { concurrency }
  )
  const ok = results.filter((r) => r.ok).length
  return new SweepReport({ results, ok, failed: results.length - ok })
})

/**
 * Expands a command line with spans and runs every combination locally.
 * @category running
 * @example
 * runSweep(["python", "train.py", "--lr", "span:[0.1,0.01]"], { parallel: true, jobs: 2 })
 */
export const runSweep = (
  args: ReadonlyArray<string>,
  options: LocalRunOptions = {}
): Effect.Effect<SweepReport, InvalidInput, CommandExecutor.CommandExecutor> =>
  Effect.flatMap(expand(args), (commands) => runCommands(commands, options))
