/**
 * `hakuriver status ID`: one task in detail.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { HakuRiverClient } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { taskDetail } from "../format/views.js"
import { clientLayer, configOption, jsonOption } from "../options.js"

/** A task id argument. @category arguments */
export const taskIdArg = Args.text({ name: "TASK_ID" }).pipe(Args.withDescription("a task id"))

/**
 * `hakuriver status`.
 * @category commands
 */
export const status = Command.make("status", { config: configOption, json: jsonOption, id: taskIdArg }, (o) =>
  Effect.gen(function* () {
    const client = yield* HakuRiverClient
    const task = yield* client.status(o.id)
    yield* Console.log(o.json ? JSON.stringify(task, null, 2) : taskDetail(task))
  }).pipe(Effect.provide(clientLayer(o.config)))
).pipe(
  Command.withDescription(
    "Show a task: status, exit code, target, node, batch, container, resources, times.\n\n" +
      "Examples:\n  hakuriver status 1732550000123000\n  hakuriver status 1732550000123000 --json"
  )
)
