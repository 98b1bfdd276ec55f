/**
 * `hakuriver kill|pause|resume ID`: control a task.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { HakuRiverClient } from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { clientLayer, configOption, jsonOption } from "../options.js"
import { taskIdArg } from "./status.js"

const make = (action: "kill" | "pause" | "resume", description: string) =>
  Command.make(action, { config: configOption, json: jsonOption, id: taskIdArg }, (o) =>
    Effect.gen(function* () {
      const client = yield* HakuRiverClient
      const task = yield* client[action](o.id)
      yield* Console.log(o.json ? JSON.stringify(task, null, 2) : `task ${task.taskId}: ${task.status}`)
    }).pipe(Effect.provide(clientLayer(o.config)))
  ).pipe(Command.withDescription(`${description}\n\nExample:\n  hakuriver ${action} 1732550000123000`))

/**
 * `hakuriver kill`.
 * @category commands
 */
export const kill = make("kill", "Kill a task; a task still queued is cancelled at once.")

/**
 * `hakuriver pause`.
 * @category commands
 */
export const pause = make("pause", "Pause a running task (docker pause / SIGSTOP).")

/**
 * `hakuriver resume`.
 * @category commands
 */
export const resume = make("resume", "Resume a paused task.")
