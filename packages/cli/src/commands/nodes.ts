/**
 * `hakuriver nodes`: the nodes, their status, cores, NUMA and GPUs.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { HakuRiverClient } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { nodesTable } from "../format/views.js"
import { clientLayer, configOption, jsonOption } from "../options.js"

/**
 * `hakuriver nodes`.
 * @category commands
 */
export const nodes = Command.make("nodes", { config: configOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const client = yield* HakuRiverClient
    const list = yield* client.nodes()
    yield* Console.log(o.json ? JSON.stringify(list, null, 2) : nodesTable(list))
  }).pipe(Effect.provide(clientLayer(o.config)))
).pipe(
  Command.withDescription(
    "List the nodes: status, cores and memory (allocated/total), NUMA nodes, GPUs, executors.\n\n" +
      "Examples:\n  hakuriver nodes\n  hakuriver nodes --json"
  )
)
