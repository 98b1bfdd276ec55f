/**
 * `hakuriver health [NODE]`: usage of every node (or one) and the cluster totals.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { HakuRiverClient } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { healthView } from "../format/views.js"
import { clientLayer, configOption, jsonOption } from "../options.js"

/**
 * `hakuriver health`.
 * @category commands
 */
export const health = Command.make(
  "health",
  {
    config: configOption,
    json: jsonOption,
    node: Args.text({ name: "NODE" }).pipe(Args.withDescription("only this node"), Args.optional)
  },
  (o) =>
    Effect.gen(function* () {
      const client = yield* HakuRiverClient
      const report = yield* client.health(Option.getOrUndefined(o.node))
      yield* Console.log(o.json ? JSON.stringify(report, null, 2) : healthView(report))
    }).pipe(Effect.provide(clientLayer(o.config)))
).pipe(
  Command.withDescription(
    "Show CPU, memory, temperatures and GPUs of every node (or NODE) and the cluster totals.\n\n" +
      "Examples:\n  hakuriver health\n  hakuriver health node1 --json"
  )
)
