/**
 * `hakuriver tasks`: list tasks, filtered by status, node or batch.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { allStatuses, HakuRiverClient } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { tasksTable } from "../format/views.js"
import { clientLayer, configOption, jsonOption } from "../options.js"

/**
 * `hakuriver tasks`.
 * @category commands
 */
export const tasks = Command.make(
  "tasks",
  {
    config: configOption,
    json: jsonOption,
    status: Options.choice("status", allStatuses).pipe(
      Options.withDescription("only tasks in this status; repeatable"),
      Options.repeated
    ),
    node: Options.text("node").pipe(
      Options.withDescription("only tasks placed on this node"),
      Options.optional
    ),
    batch: Options.text("batch").pipe(Options.withDescription("only tasks of this batch"), Options.optional),
    limit: Options.integer("limit").pipe(Options.withDescription("at most N tasks"), Options.withDefault(100))
  },
  (o) =>
    Effect.gen(function* () {
      const client = yield* HakuRiverClient
      const list = yield* client.tasks({
        status: o.status,
        node: Option.getOrUndefined(o.node),
        batch: Option.getOrUndefined(o.batch),
        limit: o.limit
      })
      yield* Console.log(o.json ? JSON.stringify(list, null, 2) : tasksTable(list))
    }).pipe(Effect.provide(clientLayer(o.config)))
).pipe(
  Command.withDescription(
    "List tasks (newest first).\n\n" +
      "Examples:\n  hakuriver tasks\n  hakuriver tasks --status running --status pending --node node1\n  hakuriver tasks --batch 1732550000123000 --json"
  )
)
