/**
 * The `hakuriver` command: every subcommand wired under one root, and `main`, which runs it on a
 * command line and turns the outcome into SPEC.md's exit codes with one-line errors.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { describeFailure, ExitCode } from "./CliFailure.js"
import { kill, pause, resume } from "./commands/control.js"
import { docker } from "./commands/docker.js"
import { health } from "./commands/health.js"
import { host } from "./commands/host.js"
import { init } from "./commands/init.js"
import { logs } from "./commands/logs.js"
import { nodes } from "./commands/nodes.js"
import { runner } from "./commands/runner.js"
import { status } from "./commands/status.js"
import { submit } from "./commands/submit.js"
import { tasks } from "./commands/tasks.js"
import { up } from "./commands/up.js"
import { wait } from "./commands/wait.js"
import { splitAtDashDash, TrailingCommand } from "./TrailingCommand.js"

/** The CLI's version, shown by `--version`. */
export const version = "0.1.0"

/**
 * The root command.
 * @category commands
 */
export const hakuriver = Command.make("hakuriver").pipe(
  Command.withDescription(
    "HakuRiver: run command-line tasks on a small cluster.\n\n" +
      "Examples:\n" +
      "  hakuriver up                                   # a host and a local runner in one process\n" +
      "  hakuriver submit --wait -- echo hello\n" +
      "  hakuriver submit --target node1 --target node2 --cores 2 --memory 4G -- python sim.py\n" +
      "  hakuriver tasks --status running\n" +
      "  hakuriver logs TASK_ID --follow"
  ),
  Command.withSubcommands([
    submit,
    status,
    kill,
    pause,
    resume,
    wait,
    logs,
    tasks,
    nodes,
    health,
    host,
    runner,
    up,
    init,
    docker
  ])
)

const cli = Command.run(hakuriver, { name: "hakuriver", version })

/**
 * Runs the CLI on `argv` (as `process.argv`: node, script, then the words) and succeeds with the
 * exit code; failures are printed on stderr as one line.
 * @category running
 */
export const run = (argv: ReadonlyArray<string>) => {
  const [words, trailing] = splitAtDashDash(argv.slice(2))
  return cli([...argv.slice(0, 2), ...words]).pipe(
    Effect.provideService(TrailingCommand, trailing),
    Effect.provide(NodeContext.layer),
    Effect.as(ExitCode.ok as number),
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.succeed(130)
      const failure = Cause.failureOption(cause)
      const { exitCode, message } = describeFailure(
        Option.isSome(failure) ? failure.value : Cause.squash(cause)
      )
      return Effect.as(message === "" ? Effect.void : Console.error(`hakuriver: ${message}`), exitCode)
    })
  )
}

/**
 * The teardown of the process: the program's exit code (130 when interrupted by a signal).
 * @category running
 */
export const teardown = <E, A>(exit: Exit.Exit<E, A>, onExit: (code: number) => void): void => {
  if (Exit.isSuccess(exit)) {
    if (typeof exit.value === "number" && exit.value !== 0) process.exitCode = exit.value
    onExit(0)
  } else {
    onExit(Cause.isInterruptedOnly(exit.cause) ? 130 : 1)
  }
}
