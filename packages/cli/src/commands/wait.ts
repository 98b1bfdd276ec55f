/**
 * `hakuriver wait ID...`: wait until tasks finish; exit 0 only if all completed.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { HakuRiverClient } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { tasksTable } from "../format/views.js"
import { clientLayer, configOption, jsonOption } from "../options.js"
import { waitAndReport } from "./submit.js"

/**
 * `hakuriver wait`.
 * @category commands
 */
export const wait = Command.make(
  "wait",
  {
    config: configOption,
    json: jsonOption,
    pollInterval: Options.float("poll-interval").pipe(
      Options.withDescription("seconds between status checks (a long-poll: changes show at once)"),
      Options.withDefault(5)
    ),
    ids: Args.text({ name: "TASK_ID" }).pipe(Args.withDescription("task ids"), Args.atLeast(1))
  },
  (o) =>
    Effect.gen(function* () {
      const client = yield* HakuRiverClient
      yield* waitAndReport(client, o.ids, o.pollInterval, o.json, (tasks) =>
        Console.log(o.json ? JSON.stringify(tasks, null, 2) : tasksTable(tasks))
      )
    }).pipe(Effect.provide(clientLayer(o.config)))
).pipe(
  Command.withDescription(
    "Wait until the tasks are final and show them; exit code 1 unless all completed.\n\n" +
      "Example:\n  hakuriver wait 1732550000123000 1732550000123001"
  )
)
