/**
 * The runner's link to the host: registration, retried with backoff for as long as it takes (the
 * host may start later), then a heartbeat every interval with usage and the ids of the running
 * tasks. When the host answers that it does not know the node (it lost its database), the
 * runner registers again; tasks the host has finished are killed.
 *
 * @since 0.1.0
 */
import { Heartbeat } from "@hakuriver/sdk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HostClient } from "./HostClient.js"
import { retryForever } from "./retryForever.js"
import { Probe } from "./probe/Probe.js"
import { RunnerIdentity } from "./RunnerIdentity.js"
import { TaskSupervisor } from "./TaskSupervisor.js"

/**
 * Options of the link.
 * @category models
 */
export interface HostLinkOptions {
  /** Heartbeat interval until the host says otherwise (`[timing] heartbeat_interval`). */
  readonly heartbeatInterval: Duration.DurationInput
  /** Longest wait between two registration attempts; default 5 s. */
  readonly maxBackoff?: Duration.DurationInput | undefined
}

/**
 * Registers and runs the heartbeat loop in the scope.
 * @category constructors
 */
export const make = (options: HostLinkOptions) =>
  Effect.gen(function* () {
    const client = yield* HostClient
    const probe = yield* Probe
    const identity = yield* RunnerIdentity
    const supervisor = yield* TaskSupervisor
    const maxBackoff = Duration.decode(options.maxBackoff ?? "5 seconds")
    const fallbackInterval = Duration.decode(options.heartbeatInterval)
    const requestTimeout = Duration.max(Duration.times(fallbackInterval, 2), Duration.seconds(5))

    const register = Effect.gen(function* () {
      const info = yield* identity.nodeInfo
      const response = yield* client.runners.register({ payload: info }).pipe(Effect.timeout(requestTimeout))
      yield* Effect.logInfo(`registered as ${info.name} at ${info.url}`)
      return response.heartbeatIntervalS > 0
        ? Duration.seconds(response.heartbeatIntervalS)
        : fallbackInterval
    }).pipe(retryForever("registration", "200 millis", maxBackoff), Effect.withSpan("HostLink.register"))

    /** One heartbeat: `true` when the host no longer knows this node. */
    const beat = Effect.gen(function* () {
      const usage = yield* probe.usage
      const runningTaskIds = yield* supervisor.running
      const ack = yield* client.runners
        .heartbeat({
          path: { name: identity.name },
          // the probe's usage and our task ids; the request encodes (and checks) them
          payload: new Heartbeat({ name: identity.name, usage, runningTaskIds: [...runningTaskIds] }, true)
        })
        .pipe(Effect.timeout(requestTimeout))
      for (const id of ack.killTaskIds) {
        // a task that ended here after this beat was made is not run any more: nothing to stop,
        // nothing to say (the host answers the same for it until its end is reported)
        yield* supervisor.discard(id).pipe(
          Effect.zipRight(Effect.logInfo(`the host does not run task ${id} here: stopped it`)),
          Effect.catchTag("NotFound", () => Effect.void)
        )
      }
      return false
    }).pipe(
      Effect.catchTag("UnknownNode", () =>
        Effect.as(Effect.logWarning("host does not know this node: registering again"), true)
      ),
      Effect.catchAll((e) => Effect.as(Effect.logWarning("heartbeat failed", e), false)),
      Effect.withSpan("HostLink.heartbeat")
    )

    const loop = Effect.gen(function* () {
      yield* Effect.logInfo(`runner ${identity.name} serving at ${identity.url}`)
      let interval = yield* register
      while (true) {
        const unknown = yield* beat
        if (unknown) interval = yield* register
        else yield* Effect.sleep(interval)
      }
    }).pipe(Effect.annotateLogs("service", "HostLink"))

    yield* Effect.forkScoped(loop)
  })

/**
 * The link as a background layer.
 * @category layers
 */
export const layer = (
  options: HostLinkOptions
): Layer.Layer<never, never, HostClient | Probe | RunnerIdentity | TaskSupervisor> =>
  Layer.scopedDiscard(make(options))
