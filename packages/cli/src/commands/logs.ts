/**
 * `hakuriver logs ID [--stderr] [--follow] [--tail N]`: a task's output.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { HakuRiverClient } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { clientLayer, configOption } from "../options.js"
import { taskIdArg } from "./status.js"

const write = (text: string) =>
  Effect.async<void>((resume) => {
    process.stdout.write(text, () => resume(Effect.void))
  })

/**
 * `hakuriver logs`.
 * @category commands
 */
export const logs = Command.make(
  "logs",
  {
    config: configOption,
    stderr: Options.boolean("stderr").pipe(Options.withDescription("show stderr instead of stdout")),
    follow: Options.boolean("follow").pipe(
      Options.withAlias("f"),
      Options.withDescription("keep printing as the task writes, until it ends")
    ),
    tail: Options.integer("tail").pipe(Options.withDescription("only the last N lines"), Options.optional),
    id: taskIdArg
  },
  (o) =>
    Effect.gen(function* () {
      const client = yield* HakuRiverClient
      const options = {
        stream: o.stderr ? ("stderr" as const) : ("stdout" as const),
        tail: Option.getOrUndefined(o.tail)
      }
      if (o.follow) {
        yield* Stream.runForEach(client.followLogs(o.id, options), write)
      } else {
        yield* write(yield* client.logs(o.id, options))
      }
    }).pipe(Effect.provide(clientLayer(o.config)))
).pipe(
  Command.withDescription(
    "Print a task's stdout (or --stderr); --follow keeps printing until the task ends.\n\n" +
      "Examples:\n  hakuriver logs 1732550000123000\n  hakuriver logs 1732550000123000 --stderr --tail 20\n  hakuriver logs 1732550000123000 --follow"
  )
)
