/**
 * The `hakurun` program: parse the command line, expand the spans, then print (`--dry-run`) or
 * run every combination locally. Resolves to the process exit code: 0 all runs succeeded, 1 a
 * run failed, 2 a bad command line or span.
 *
 * @since 0.1.0
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import { Sweep } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { formatCommand } from "./formatCommand.js"
import { hakurunUsage, parseHakurunArgs } from "./HakurunArgs.js"
import { moduleCommand, parseModuleTarget } from "./ModuleTarget.js"

const usageError = (message: string) => Console.error(`hakurun: ${message}`).pipe(Effect.as(2))

/** The actual argument array of a run: module targets go through Node, the rest as they are. */
const toProcess = (command: ReadonlyArray<string>): Either.Either<ReadonlyArray<string>, string> => {
  const [target, ...args] = command
  const module = target === undefined ? undefined : parseModuleTarget(target)
  if (module === undefined) return Either.right(command)
  const built = moduleCommand(module, args)
  return "error" in built ? Either.left(built.error) : Either.right(built.command)
}

const describeFailure = (result: Sweep.RunResult): string =>
  result.exitCode === null ? (result.error ?? "did not run") : `exit ${result.exitCode}`

/**
 * Runs `hakurun` with the arguments after the program name; resolves to the exit code.
 * @category running
 */
export const hakurun = Effect.fn("hakurun")(function* (
  argv: ReadonlyArray<string>
): Effect.fn.Return<number, never, CommandExecutor.CommandExecutor> {
  const parsed = parseHakurunArgs(argv)
  if (Either.isLeft(parsed)) return yield* usageError(parsed.left.message)
  const args = parsed.right
  if (args.help) {
    yield* Console.log(hakurunUsage)
    return 0
  }
  const expanded = Sweep.expand(args.command)
  if (Either.isLeft(expanded)) return yield* usageError(expanded.left.message)
  const commands = expanded.right
  if (args.dryRun) {
    for (const command of commands) yield* Console.log(formatCommand(command))
    return 0
  }
  const processes = Either.all(commands.map(toProcess))
  if (Either.isLeft(processes)) return yield* usageError(processes.left)
  const total = commands.length
  const report = yield* Sweep.runCommands(processes.right, {
    parallel: args.parallel,
    jobs: args.jobs,
    onResult: (result) =>
      result.ok
        ? Effect.void
        : Console.error(
            `hakurun: run ${result.index + 1}/${total} failed (${describeFailure(result)}): ${formatCommand(
              commands[result.index] ?? result.command
            )}`
          )
  })
  yield* Console.error(report.summary)
  return report.failed > 0 ? 1 : 0
})
