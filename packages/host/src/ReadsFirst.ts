/**
 * Reads first: the host's fibers run on a scheduler that gives the event loop a turn every few
 * milliseconds of work and, within a turn, runs reads (`GET`/`HEAD` requests) before writes
 * (submits, reports, heartbeats, waits) and the background loops (placement, dispatch).
 *
 * Effect's default scheduler runs every ready fiber through microtasks until none is left, so
 * while a burst of submissions keeps the host busy, a new request is not even read from its
 * socket until the whole burst's work in hand is done: a `GET /tasks/:id` waited as long as a
 * submit (51–54 ms at the median, 108–866 ms at p99 with 50 runners × 1,000 tasks).
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import type * as Scheduler from "effect/Scheduler"

/**
 * The scheduling priority of writes and background work: runs after every ready read. Reads keep
 * the default priority (0), which the HTTP server's own fibers have.
 */
export const writePriority = 1

/** Tasks of one priority, taken from the front. */
interface Lane {
  readonly priority: number
  readonly tasks: Array<Scheduler.Task>
  head: number
  /** Whether one of its tasks ran in the current turn. */
  ran: boolean
}

/**
 * Runs scheduled tasks lowest priority first, in order within a priority. After `budgetMs` of
 * running tasks, the rest waits for `setImmediate`: the event loop reads sockets in between.
 * Every priority with tasks waiting runs at least one per turn, so a flood of reads slows the
 * writes down but never stops them.
 * @category constructors
 */
export class TurnScheduler implements Scheduler.Scheduler {
  readonly #lanes: Array<Lane> = []
  #scheduled = false

  constructor(readonly budgetMs: number) {}

  shouldYield(fiber: Parameters<Scheduler.Scheduler["shouldYield"]>[0]): number | false {
    return fiber.currentOpCount > fiber.getFiberRef(FiberRef.currentMaxOpsBeforeYield)
      ? fiber.getFiberRef(FiberRef.currentSchedulingPriority)
      : false
  }

  scheduleTask(task: Scheduler.Task, priority: number): void {
    let i = 0
    while (i < this.#lanes.length && (this.#lanes[i]?.priority ?? 0) < priority) i++
    const lane = this.#lanes[i]
    if (lane !== undefined && lane.priority === priority) lane.tasks.push(task)
    else this.#lanes.splice(i, 0, { priority, tasks: [task], head: 0, ran: false })
    if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(this.#turn)
    }
  }

  /** The oldest task of a lane, or undefined when it has none. */
  #takeFrom(lane: Lane): Scheduler.Task | undefined {
    if (lane.head === lane.tasks.length) return undefined
    const task = lane.tasks[lane.head]
    lane.tasks[lane.head++] = noop
    if (lane.head === lane.tasks.length) {
      lane.tasks.length = 0
      lane.head = 0
    }
    lane.ran = true
    return task
  }

  /** The oldest task of the lowest priority that has one. */
  #next(): Scheduler.Task | undefined {
    for (const lane of this.#lanes) {
      const task = this.#takeFrom(lane)
      if (task !== undefined) return task
    }
    return undefined
  }

  readonly #turn = (): void => {
    const start = performance.now()
    for (const lane of this.#lanes) lane.ran = false
    for (;;) {
      const task = this.#next()
      if (task === undefined) {
        this.#scheduled = false
        return
      }
      task()
      if (performance.now() - start >= this.budgetMs) {
        // a priority kept waiting by lower ones all turn still gets one task
        for (const lane of this.#lanes) if (!lane.ran) this.#takeFrom(lane)?.()
        setImmediate(this.#turn)
        return
      }
    }
  }
}

const noop: Scheduler.Task = () => {}

const atWrite = FiberRef.set(FiberRef.currentSchedulingPriority, writePriority)

/**
 * The server's outermost middleware (`HttpApiBuilder.serve(requestPriority)`): a request other
 * than `GET`/`HEAD` runs at `writePriority` from its start, its body's read and every other
 * middleware included. Each request has a fiber of its own, so the priority is set for the rest
 * of that fiber, not set and restored around the request (which copied the fiber's references
 * twice per request).
 *
 * It is not one of the `HttpApiBuilder.middleware` layers: those wrap one another in the order
 * their layers happen to be built, and once the body check ended up outside it, every submit's
 * body was read at the reads' priority (p50 of a status read during a burst 5 → 15 ms).
 * @category middleware
 */
export const requestPriority = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    request.method === "GET" || request.method === "HEAD" ? app : Effect.zipRight(atWrite, app)
  )

/**
 * Builds `layer` (the host) on a {@link TurnScheduler} with a turn of `budgetMs`.
 * @category layers
 */
export const onTurnScheduler =
  (budgetMs = 4) =>
  <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
    layer.pipe(Layer.locally(FiberRef.currentScheduler, new TurnScheduler(budgetMs)))

/**
 * Builds `layer` (background services) at `writePriority`: the fibers it forks inherit it.
 * @category layers
 */
export const atWritePriority = <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  layer.pipe(Layer.locally(FiberRef.currentSchedulingPriority, writePriority))
