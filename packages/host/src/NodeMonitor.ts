/**
 * The node monitor: registrations and heartbeats, nodes going offline after the heartbeat
 * timeout (their tasks become `lost`), and reconciliation of the tasks a runner reports with
 * those the host thinks it runs. Deadlines come from the stored heartbeat times, so they resume
 * after a host restart (counted from the restart at the earliest).
 *
 * @since 0.1.0
 */
import {
  type Heartbeat,
  HeartbeatAck,
  isFinal,
  type NodeInfo,
  RegisterResponse,
  type TaskId,
  UnknownNode
} from "@hakuriver/sdk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { HostConfig, heartbeatTimeoutMs, isoOf } from "./HostConfig.js"
import { Placer } from "./Placer.js"
import { Store } from "./Store.js"

/**
 * The node monitor's interface.
 * @category services
 */
export interface NodeMonitorShape {
  readonly register: (info: NodeInfo) => Effect.Effect<RegisterResponse>
  readonly heartbeat: (name: string, beat: Heartbeat) => Effect.Effect<HeartbeatAck, UnknownNode>
  /** One offline check now (the loop runs it every `cleanup_check_interval`). */
  readonly check: Effect.Effect<void>
}

/** @category services */
export class NodeMonitor extends Context.Tag("@hakuriver/host/NodeMonitor")<
  NodeMonitor,
  NodeMonitorShape
>() {}

const make = Effect.gen(function* () {
  const store = yield* Store
  const placer = yield* Placer
  const config = yield* HostConfig
  const startedMs = yield* Clock.currentTimeMillis
  const timeoutMs = heartbeatTimeoutMs(config)
  const intervalMs = config.timing.heartbeat_interval * 1000
  /** A running task the runner stopped reporting is lost only after this long. */
  const graceMs = Math.max(2 * intervalMs, 1000)
  /**
   * Per node: since when each task the host thinks runs there has been missing from the node's
   * heartbeats. Rebuilt at every heartbeat from the node's current tasks, so a task that ended
   * meanwhile leaves no entry behind.
   */
  const missingSince = new Map<string, Map<TaskId, number>>()

  const register = Effect.fn("NodeMonitor.register")(function* (info: NodeInfo) {
    const ms = yield* Clock.currentTimeMillis
    yield* store.upsertNode(info, isoOf(ms))
    yield* Effect.logInfo(`node ${info.name} registered (${info.cores} cores, ${info.url})`)
    yield* placer.wake
    return new RegisterResponse({ heartbeatIntervalS: config.timing.heartbeat_interval })
  })

  // a step of every heartbeat, inside its span: a span of its own cost each heartbeat ~25
  // Effect operations and a copy of the fiber's context
  const reconcile = Effect.fnUntraced(function* (name: string, beat: Heartbeat, ms: number) {
    const reported = new Set<string>(beat.runningTaskIds)
    // an idle node that reports nothing (most heartbeats) needs no read: the store keeps in
    // memory which tasks hold resources where
    const held = (yield* store.activeClaims).some((c) => c.node === name)
    if (!held && reported.size === 0) {
      missingSince.delete(name)
      return []
    }
    const mine = yield* store.tasksWithStatus(["assigning", "running", "paused"], name)
    const at = isoOf(ms)
    const before = missingSince.get(name)
    const missing = new Map<TaskId, number>()
    for (const task of mine) {
      if (reported.has(task.taskId)) {
        if (task.status === "assigning") yield* Effect.ignore(store.transition(task.taskId, "running", at))
        continue
      }
      if (task.status === "assigning") continue
      const since = before?.get(task.taskId) ?? ms
      const started = task.startedAt === null ? 0 : Date.parse(task.startedAt)
      if (ms - since >= graceMs && ms - started >= graceMs) {
        yield* store
          .transition(task.taskId, "lost", at, {
            from: ["running", "paused"],
            error: `node ${name} no longer reports this task`
          })
          .pipe(Effect.ignore)
      } else {
        missing.set(task.taskId, since)
      }
    }
    if (missing.size === 0) missingSince.delete(name)
    else missingSince.set(name, missing)
    const known = new Set<string>(mine.map((t) => t.taskId))
    const others = yield* store.getTasks(beat.runningTaskIds.filter((id) => !known.has(id)))
    const byId = new Map(others.map((t) => [t.taskId as string, t]))
    const kill: Array<TaskId> = []
    for (const id of beat.runningTaskIds) {
      if (known.has(id)) continue
      const task = byId.get(id)
      // unknown to the host, finished, placed elsewhere or queued again (placed nowhere): the
      // runner should stop it
      if (task === undefined || isFinal(task.status) || task.node !== name) kill.push(id)
    }
    return kill
  })

  const heartbeat = Effect.fn("NodeMonitor.heartbeat")(function* (name: string, beat: Heartbeat) {
    const ms = yield* Clock.currentTimeMillis
    const before = yield* store.heartbeat(name, beat.usage, isoOf(ms))
    if (Option.isNone(before)) {
      return yield* Effect.fail(
        new UnknownNode({ node: name, message: `node ${name} is not registered; register again` })
      )
    }
    if (before.value === "offline") {
      yield* Effect.logInfo(`node ${name} is online again`)
      yield* placer.wake
    }
    const killTaskIds = yield* reconcile(name, beat, ms)
    // ids the store or the runner's beat gave, valid already: not validated again, every beat
    return new HeartbeatAck({ killTaskIds }, true)
  })

  const check = Effect.gen(function* () {
    const ms = yield* Clock.currentTimeMillis
    for (const node of yield* store.listNodes) {
      if (node.status !== "online") continue
      const last = Math.max(node.lastHeartbeatAt === null ? 0 : Date.parse(node.lastHeartbeatAt), startedMs)
      if (ms - last <= timeoutMs) continue
      const seconds = Math.round((ms - last) / 100) / 10
      const reason = `node ${node.info.name} went offline (no heartbeat for ${seconds}s)`
      const lost = yield* store.markNodeOffline(node.info.name, reason, isoOf(ms), isoOf(ms - timeoutMs))
      yield* Effect.logWarning(`${reason}; ${lost.length} tasks lost`)
    }
  }).pipe(Effect.withSpan("NodeMonitor.check"))

  const every = Duration.millis(
    Math.max(50, Math.min(config.timing.cleanup_check_interval * 1000, timeoutMs / 2))
  )
  yield* Effect.forkScoped(
    Effect.repeat(Effect.catchAllCause(check, Effect.logError), Schedule.spaced(every))
  )
  return NodeMonitor.of({ register, heartbeat, check })
})

/**
 * The node monitor with its offline-check loop.
 * @category layers
 */
export const layer: Layer.Layer<NodeMonitor, never, Store | Placer | HostConfig> = Layer.scoped(
  NodeMonitor,
  make
)
