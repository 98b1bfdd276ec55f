/**
 * The command line of `hakurun`: `hakurun [--parallel] [--jobs N] [--dry-run] TARGET ARGS...`.
 * Options come first; the first other argument starts the command, and everything from there on
 * belongs to it (so `hakurun python s.py --jobs 3` passes `--jobs 3` to the script).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

/**
 * A bad `hakurun` command line; the CLI prints the message and exits with 2.
 * @category errors
 */
export class HakurunUsageError extends Schema.TaggedError<HakurunUsageError>()("HakurunUsageError", {
  message: Schema.String
}) {}

/**
 * What `hakurun` was asked to do.
 * @category models
 */
export interface HakurunArgs {
  readonly parallel: boolean
  /** At most this many runs at a time; `undefined` = the number of cores. */
  readonly jobs: number | undefined
  readonly dryRun: boolean
  readonly help: boolean
  /** TARGET and its arguments, spans not yet expanded. */
  readonly command: ReadonlyArray<string>
}

/** The usage text of `hakurun --help`. */
export const hakurunUsage = `Usage: hakurun [--parallel] [--jobs N] [--dry-run] TARGET ARGS...

Runs TARGET once for every combination of the spans among its arguments (last span varies
fastest). TARGET is an executable (python, ./tool) or a module function (./sweep.ts:main).

Spans:
  span:{START..END}   integers START..END inclusive; may be negative or count down
  span:[a,b,c]        the listed items

Options:
  -p, --parallel      run in parallel (default: one after the other)
  -j, --jobs N        at most N runs at a time with --parallel (default: number of cores)
  -n, --dry-run       print the expanded commands, one per line, and run nothing
  -h, --help          show this help
  --                  end of options (the next argument is TARGET)

Exit code: 0 when every run succeeded, 1 when any failed, 2 for a bad command line or span.`

const usage = (message: string) => Either.left(new HakurunUsageError({ message }))

const parseJobs = (text: string | undefined): Either.Either<number, HakurunUsageError> =>
  text !== undefined && /^[1-9][0-9]{0,5}$/.test(text)
    ? Either.right(Number(text))
    : usage(
        `--jobs needs a positive whole number, got ${text === undefined ? "nothing" : JSON.stringify(text)}`
      )

/**
 * Parses the arguments after `hakurun`.
 * @category parsing
 */
export const parseHakurunArgs = (
  argv: ReadonlyArray<string>
): Either.Either<HakurunArgs, HakurunUsageError> => {
  let parallel = false
  let dryRun = false
  let help = false
  let jobs: number | undefined
  let i = 0
  while (i < argv.length) {
    const arg = argv[i] ?? ""
    if (arg === "--") {
      i++
      break
    }
    if (!arg.startsWith("-") || arg === "-") break
    if (arg === "-p" || arg === "--parallel") parallel = true
    else if (arg === "-n" || arg === "--dry-run") dryRun = true
    else if (arg === "-h" || arg === "--help") help = true
    else if (arg === "-j" || arg === "--jobs" || arg.startsWith("--jobs=")) {
      const inline = arg.startsWith("--jobs=") ? arg.slice("--jobs=".length) : undefined
      if (inline === undefined) i++
      const parsed = parseJobs(inline ?? argv[i])
      if (Either.isLeft(parsed)) return Either.left(parsed.left)
      jobs = parsed.right
    } else return usage(`unknown option ${arg} (options go before TARGET; see hakurun --help)`)
    i++
  }
  const command = argv.slice(i)
  if (command.length === 0 && !help)
    return usage("missing TARGET: hakurun [--parallel] [--jobs N] TARGET ARGS...")
  return Either.right({ parallel, jobs, dryRun, help, command })
}
