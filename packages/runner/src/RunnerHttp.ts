/**
 * The runner's side of the `RunnerApi` contract: each group implemented as its own layer.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Ping, RunnerApi, WithdrawOutcome } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import { RunnerIdentity } from "./RunnerIdentity.js"
import { TaskSupervisor } from "./TaskSupervisor.js"
import { version } from "./version.js"

/**
 * `POST /tasks`, `POST /tasks/:id/kill|pause|resume|withdraw`, `GET /tasks`.
 * @category layers
 */
export const TasksLive = HttpApiBuilder.group(RunnerApi, "tasks", (handlers) =>
  Effect.gen(function* () {
    const supervisor = yield* TaskSupervisor
    return handlers
      .handle("run", ({ payload }) => supervisor.run(payload))
      .handle("kill", ({ path }) => supervisor.kill(path.id))
      .handle("pause", ({ path }) => supervisor.pause(path.id))
      .handle("resume", ({ path }) => supervisor.resume(path.id))
      .handle("running", () => supervisor.running)
      .handle("withdraw", ({ path, payload }) =>
        Effect.map(
          supervisor.withdraw(path.id, payload.attempt),
          (outcome) => new WithdrawOutcome({ outcome })
        )
      )
  })
)

/**
 * `GET /info`, `GET /ping`.
 * @category layers
 */
export const InfoLive = HttpApiBuilder.group(RunnerApi, "info", (handlers) =>
  Effect.gen(function* () {
    const identity = yield* RunnerIdentity
    return handlers
      .handle("info", () => identity.nodeInfo)
      .handle("ping", () => Effect.succeed(new Ping({ service: "hakuriver-runner", version })))
  })
)
