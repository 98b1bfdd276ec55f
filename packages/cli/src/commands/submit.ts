/**
 * `hakuriver submit [options] -- COMMAND [ARGS...]`: one task per `--target` (or one placed by
 * the host), optionally waiting for the outcome.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { HakuRiverClient, parseCores, parseMemory, type Task } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { CliFailure, ExitCode } from "../CliFailure.js"
import { refused, submitted, tasksTable } from "../format/views.js"
import { clientLayer, configOption, jsonOption } from "../options.js"
import { TrailingCommand } from "../TrailingCommand.js"
import { waitWithProgress } from "../WaitProgress.js"

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

const fromEither = <A, E extends { readonly message: string }>(either: Either.Either<A, E>) =>
  Either.match(either, {
    onLeft: (e) => Effect.fail(invalid(e.message)),
    onRight: (a) => Effect.succeed(a)
  })

/** `--target`, repeatable. */
const targetOption = Options.text("target").pipe(
  Options.withDescription("where to run: node, node:numa or node::gpu[,gpu]; repeatable (one task each)"),
  Options.repeated
)

const coresOption = Options.text("cores").pipe(
  Options.withDescription("CPU cores per task, e.g. 1, 2 or 0.5 (default 1)"),
  Options.mapEffect((s) => fromEither(parseCores(s))),
  Options.optional
)

const memoryOption = Options.text("memory").pipe(
  Options.withDescription("memory limit per task, e.g. 512M or 4G (K/M/G are powers of 1000)"),
  Options.mapEffect((s) => fromEither(parseMemory(s))),
  Options.optional
)

const envOption = Options.text("env").pipe(
  Options.withDescription("KEY=VALUE environment variable of the task; repeatable"),
  Options.repeated,
  Options.mapEffect((items) =>
    Effect.forEach(items, (s) => {
      const at = s.indexOf("=")
      return at <= 0
        ? Effect.fail(invalid(`invalid --env ${JSON.stringify(s)}: expected KEY=VALUE`))
        : Effect.succeed([s.slice(0, at), s.slice(at + 1)] as const)
    })
  )
)

const containerOption = Options.text("container").pipe(
  Options.withDescription(
    "environment name; NULL runs without Docker (systemd fallback); default from the host"
  ),
  Options.optional
)

const privilegedOption = Options.boolean("privileged").pipe(
  Options.withDescription("run the Docker container privileged (use with care)")
)

const mountOption = Options.text("mount").pipe(
  Options.withDescription(
    "HOST:CONTAINER[:ro] extra bind mount; repeatable; replaces the configured defaults"
  ),
  Options.repeated
)

const waitOption = Options.boolean("wait").pipe(
  Options.withDescription("wait until the task(s) finish; exit 0 only if all completed")
)

const pollOption = Options.float("poll-interval").pipe(
  Options.withDescription("seconds between status checks while waiting (a long-poll: changes show at once)"),
  Options.withDefault(5)
)

/**
 * Waits for tasks (live line on a terminal) and fails with exit code 1 unless all completed.
 * @category waiting
 */
export const waitAndReport = (
  client: HakuRiverClient.Service,
  ids: ReadonlyArray<string>,
  pollInterval: number,
  json: boolean,
  show: (tasks: ReadonlyArray<Task>) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const tasks = yield* waitWithProgress(client, ids, {
      pollInterval,
      live: !json && process.stderr.isTTY === true
    })
    yield* show(tasks)
    const bad = tasks.filter((t) => t.status !== "completed")
    if (bad.length > 0) {
      const first = bad[0]
      const detail =
        bad.length === 1 && first !== undefined
          ? `task ${first.taskId} ${first.status}${first.exitCode === null ? "" : ` (exit code ${first.exitCode})`}${first.error === null ? "" : `: ${first.error}`}`
          : `${bad.length} of ${tasks.length} tasks did not complete`
      return yield* new CliFailure({ message: json ? "" : detail, exitCode: ExitCode.taskFailed })
    }
  })

/**
 * `hakuriver submit`.
 * @category commands
 */
export const submit = Command.make(
  "submit",
  {
    config: configOption,
    json: jsonOption,
    target: targetOption,
    cores: coresOption,
    memory: memoryOption,
    env: envOption,
    container: containerOption,
    privileged: privilegedOption,
    mount: mountOption,
    wait: waitOption,
    pollInterval: pollOption
  },
  (o) =>
    Effect.gen(function* () {
      const trailing = yield* TrailingCommand
      const command = Option.getOrElse(trailing, () => [] as ReadonlyArray<string>)
      if (command.length === 0) {
        return yield* new CliFailure({
          message: "submit needs a command after --, e.g. hakuriver submit -- echo hello",
          exitCode: ExitCode.usage
        })
      }
      const client = yield* HakuRiverClient
      const response = yield* client.submit({
        command,
        targets: o.target,
        cores: Option.getOrUndefined(o.cores),
        memoryBytes: Option.getOrUndefined(o.memory),
        env: Object.fromEntries(o.env),
        container: Option.getOrUndefined(o.container),
        ...(o.privileged ? { privileged: true } : {}),
        ...(o.mount.length === 0 ? {} : { mounts: o.mount })
      })
      const plain = {
        batchId: response.batchId,
        taskIds: response.taskIds,
        failedTargets: response.failedTargets
      }
      if (response.taskIds.length === 0) {
        if (o.json) yield* Console.log(JSON.stringify(plain, null, 2))
        return yield* new CliFailure({
          message: o.json ? "" : `nothing submitted: ${response.failedTargets.map(refused).join("; ")}`,
          exitCode: ExitCode.usage
        })
      }
      if (!o.wait) {
        yield* Console.log(o.json ? JSON.stringify(plain, null, 2) : submitted(response, o.target))
        return
      }
      if (!o.json) yield* Console.log(submitted(response, o.target))
      yield* waitAndReport(client, response.taskIds, o.pollInterval, o.json, (tasks) =>
        Console.log(o.json ? JSON.stringify({ ...plain, tasks }, null, 2) : tasksTable(tasks))
      )
    }).pipe(Effect.provide(clientLayer(o.config)))
).pipe(
  Command.withDescription(
    "Submit a command: one task per --target (or one placed by the host). Options come before --;\n" +
      "everything after -- is the command, passed through untouched.\n\n" +
      "Examples:\n" +
      "  hakuriver submit -- python train.py --lr 0.1\n" +
      "  hakuriver submit --target node1 --target node3::0,1 --container torch --wait -- python gpu.py\n" +
      "  hakuriver submit --cores 2 --memory 4G --env SEED=1 --container NULL -- ./simulate"
  )
)
