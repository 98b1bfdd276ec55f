/**
 * The queue: `pending` tasks are placed in submit order whenever something may have freed room
 * (a task ended or was queued again, a node registered or came back). A task that waits on a
 * node keeps later tasks for that node waiting too, so nobody overtakes it.
 *
 * @since 0.1.0
 */
import { isFinal, type NodeName, parseTarget, type Task } from "@hakuriver/sdk"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { Dispatcher } from "./Dispatcher.js"
import { HostConfig, isoOf } from "./HostConfig.js"
import { allocate, allocationsOf, emptyAllocation, type NodeCapacity, place, requestOf } from "./Scheduler.js"
import { type NodeRecord, Store } from "./Store.js"
import { type TaskChange, TaskEvents } from "./TaskEvents.js"

/**
 * The placement loop's interface.
 * @category services
 */
export interface PlacerShape {
  /** Asks for a placement round (cheap; rounds coalesce). */
  readonly wake: Effect.Effect<void>
}

/** @category services */
export class Placer extends Context.Tag("@hakuriver/host/Placer")<Placer, PlacerShape>() {}

/**
 * What the scheduler sees of a node.
 * @category placement
 */
export const capacityOf = (node: NodeRecord): NodeCapacity => ({
  name: node.info.name,
  online: node.status === "online",
  cores: node.info.cores,
  memoryBytes: node.info.memoryBytes,
  numa: node.info.numa,
  gpus: node.info.gpus.map((g) => g.index)
})

/**
 * The node a task was submitted for, or null when the host picks.
 * @category placement
 */
export const targetNodeOf = (task: Pick<Task, "target">): NodeName | null =>
  task.target === null
    ? null
    : Either.match(parseTarget(task.target), { onLeft: () => null, onRight: (t) => t.node })

/** How many queued tasks a placement round reads at a time. */
const pageSize = 32

const make = Effect.gen(function* () {
  const store = yield* Store
  const dispatcher = yield* Dispatcher
  const events = yield* TaskEvents
  const config = yield* HostConfig
  const signal = yield* Queue.sliding<void>(1)
  let lastNode: string | null = null
  /**
   * Counts the changes that put a task in `pending` (a submit, a task queued again). A round that
   * read the queue to its end and placed every task in it notes the count it started at: until
   * the count moves, the queue is known empty and a round (say, after a task's end) reads
   * nothing. Every pending row is committed before its change is published, so a task queued
   * after a round's read moves the count past the noted one.
   */
  let queuedChanges = 0
  let emptiedAt = -1

  const round = Effect.gen(function* () {
    const startedAt = queuedChanges
    if (emptiedAt === startedAt) return
    // the queue is read a page at a time, and only while some node has a core free: a deep
    // queue behind full nodes is not read (and decoded) again every time a task is queued or ends
    const nodes = (yield* store.listNodes).map(capacityOf)
    const allocations = allocationsOf(yield* store.activeClaims)
    // every request asks for at least 0.01 core: a node without one free can take nothing
    const hasRoom = () =>
      nodes.some(
        (n) => n.online && Math.round(n.cores * 100) > Math.round((allocations.get(n.name)?.cores ?? 0) * 100)
      )
    if (!hasRoom()) return
    let pending = yield* store.claimsWithStatus(["pending"], { limit: pageSize })
    const blockedNodes = new Set<string>()
    let untargetedBlocked = false
    let read = 0
    let placed = 0
    for (let i = 0; ; i++) {
      const task = pending[i]
      if (task === undefined) {
        const last = pending[pending.length - 1]
        if (last === undefined || pending.length < pageSize) {
          if (placed === read) emptiedAt = startedAt
          break
        }
        if (!hasRoom()) break
        pending = yield* store.claimsWithStatus(["pending"], { after: last.taskId, limit: pageSize })
        i = -1
        continue
      }
      read++
      const target = targetNodeOf(task)
      if (target === null ? untargetedBlocked : blockedNodes.has(target)) continue
      const request = requestOf(task, target)
      const choice = place(request, nodes, allocations, config.scheduler.policy, lastNode)
      if (Either.isLeft(choice)) {
        if (target === null) untargetedBlocked = true
        else blockedNodes.add(target)
        continue
      }
      const node = choice.right
      const at = isoOf(yield* Clock.currentTimeMillis)
      const moved = yield* store
        .transition(task.taskId, "assigning", at, { from: ["pending"], node })
        .pipe(Effect.option)
      if (moved._tag === "None") continue
      placed++
      allocations.set(node, allocate(allocations.get(node) ?? emptyAllocation, request))
      if (target === null) lastNode = node
      yield* dispatcher.dispatch(moved.value)
      // a round that places many tasks (a burst, room freed on many nodes) gives way after each:
      // run whole, it held the event loop for 10–40 ms, and the reads waiting behind it saw that
      yield* Effect.yieldNow()
    }
  }).pipe(Effect.withSpan("Placer.round"))

  yield* Effect.forkScoped(
    Effect.forever(Effect.zipRight(Queue.take(signal), Effect.catchAllCause(round, Effect.logError)))
  )
  // room may have freed (or a task was queued): place again. A plain loop over the
  // subscription: through a Stream, each change cost ~30 operations more.
  const sub = yield* events.subscribe
  const freesRoom = (c: TaskChange) => c.status === "pending" || isFinal(c.status)
  yield* Effect.forkScoped(
    Effect.forever(
      Effect.flatMap(Queue.takeBetween(sub, 1, Number.POSITIVE_INFINITY), (changes) => {
        for (const c of changes) if (c.status === "pending") queuedChanges++
        return Chunk.some(changes, freesRoom) ? Queue.offer(signal, undefined) : Effect.void
      })
    )
  )
  yield* Queue.offer(signal, undefined)
  return Placer.of({ wake: Effect.asVoid(Queue.offer(signal, undefined)) })
})

/**
 * The placement loop (it runs as long as the layer's scope).
 * @category layers
 */
export const layer: Layer.Layer<Placer, never, Store | Dispatcher | TaskEvents | HostConfig> = Layer.scoped(
  Placer,
  make
)
