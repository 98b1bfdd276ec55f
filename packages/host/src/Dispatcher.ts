/**
 * The dispatcher: hands placed (`assigning`) tasks to their runner and forwards kill, pause and
 * resume. A task stays `assigning` until its runner accepts it; a refusal fails it with the
 * runner's reason; an unreachable or busy runner puts it back in the queue after a short pause,
 * so no task is ever stuck.
 *
 * @since 0.1.0
 */
import { Conflict, NotFound, type Task, type TaskId, Unavailable, Withdrawal } from "@hakuriver/sdk"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { type HostConfig, isoOf } from "./HostConfig.js"
import { type RunnerClient, RunnerClients } from "./RunnerClient.js"
import { Store } from "./Store.js"
import { TaskEvents } from "./TaskEvents.js"

/**
 * The dispatcher's interface.
 * @category services
 */
export interface DispatcherShape {
  /** Sends an `assigning` task to its node's runner (in the background). */
  readonly dispatch: (task: Task) => Effect.Effect<void>
  /** Cancels a pending/assigning task at once; forwards the kill of a running/paused one. */
  readonly kill: (id: TaskId) => Effect.Effect<Task, NotFound | Conflict | Unavailable>
  readonly pause: (id: TaskId) => Effect.Effect<Task, NotFound | Conflict | Unavailable>
  readonly resume: (id: TaskId) => Effect.Effect<Task, NotFound | Conflict | Unavailable>
}

/** @category services */
export class Dispatcher extends Context.Tag("@hakuriver/host/Dispatcher")<Dispatcher, DispatcherShape>() {}

/** How long a run request may take before the runner counts as unreachable. */
const runTimeout = Duration.seconds(15)
/** How long a task waits before it is queued again after its runner could not take it. */
const requeueDelay = Duration.seconds(1)
/** How long `kill` waits for the runner to report the end of a task. */
const killWait = Duration.seconds(3)

const now = Effect.map(Clock.currentTimeMillis, isoOf)

const make = Effect.gen(function* () {
  const store = yield* Store
  const clients = yield* RunnerClients
  const events = yield* TaskEvents
  const fibers = yield* FiberSet.make()

  const clientOf = (task: Task): Effect.Effect<Option.Option<RunnerClient>> =>
    task.node === null
      ? Effect.succeedNone
      : // the kept node list, not a read of the node's row per dispatch
        Effect.flatMap(store.findNode(task.node), (node) =>
          node === undefined ? Effect.succeedNone : Effect.asSome(clients.at(node.info.url))
        )

  const requeue = (task: Task, why: string) =>
    Effect.logWarning(
      `runner of node ${task.node} could not take task ${task.taskId}: ${why}; queued again`
    ).pipe(
      Effect.zipRight(
        // in the background, so that the node's other tasks are not held up
        FiberSet.run(
          fibers,
          Effect.sleep(requeueDelay).pipe(
            Effect.zipRight(now),
            Effect.flatMap((at) => store.transition(task.taskId, "pending", at, { from: ["assigning"] })),
            Effect.ignore
          )
        )
      ),
      Effect.asVoid
    )

  const fail = (task: Task, why: string) =>
    Effect.flatMap(now, (at) =>
      store.transition(task.taskId, "failed", at, {
        from: ["assigning"],
        error: `runner refused the task: ${why}`
      })
    ).pipe(Effect.ignore)

  /** The runner took the task: it runs now, unless it was cancelled meanwhile (then kill it there). */
  const accepted = (task: Task, client: RunnerClient) =>
    Effect.flatMap(now, (at) =>
      store.transition(task.taskId, "running", at, { from: ["assigning", "running"] })
    ).pipe(
      Effect.catchTag("IllegalTransition", (e) =>
        e.from === "killed"
          ? client.tasks.kill({ path: { id: task.taskId } }).pipe(Effect.timeout(runTimeout), Effect.ignore)
          : Effect.void
      ),
      Effect.ignore
    )

  const send = Effect.fn("Dispatcher.send")(function* (task: Task) {
    const client = yield* clientOf(task)
    if (Option.isNone(client)) return yield* requeue(task, "the node is not known")
    const runner = client.value
    /**
     * The request may have reached the runner (no answer came): withdraw this attempt before
     * queueing the task again. The runner answers `running` if it has started it; otherwise it
     * refuses the attempt from then on, so a request that is late, or still being prepared
     * there, does not start it beside the next attempt. An unreachable runner is queued around
     * too (a copy it starts later is stopped by its next heartbeat's answer).
     */
    const withdraw = (why: string) =>
      runner.tasks
        .withdraw({ path: { id: task.taskId }, payload: new Withdrawal({ attempt: task.attempt }) })
        .pipe(
          Effect.timeout(runTimeout),
          Effect.option,
          Effect.flatMap((answer) =>
            Option.isSome(answer) && answer.value.outcome === "running"
              ? accepted(task, runner)
              : requeue(task, why)
          )
        )
    yield* runner.tasks.run({ payload: task }).pipe(
      Effect.timeoutFail({
        duration: runTimeout,
        onTimeout: () => ({ _tag: "RunTimeout", message: "timed out" }) as const
      }),
      Effect.matchEffect({
        onSuccess: () => accepted(task, runner),
        onFailure: (e) =>
          e._tag === "BadRequest"
            ? fail(task, e.message)
            : e._tag === "Conflict"
              ? // the runner runs it already (a retry after a lost answer)
                accepted(task, runner)
              : e._tag === "Unavailable" || e._tag === "Unauthorized"
                ? requeue(task, e.message)
                : withdraw(e.message)
      })
    )
  })

  // one sender per node, so a node receives its tasks in the order they were placed
  const lanes = new Map<string, Queue.Queue<Task>>()
  const laneLock = yield* Effect.makeSemaphore(1)
  const laneOf = (node: string) =>
    Effect.gen(function* () {
      const existing = lanes.get(node)
      if (existing !== undefined) return existing
      const lane = yield* Queue.unbounded<Task>()
      lanes.set(node, lane)
      const sendSafely = (task: Task) =>
        Effect.catchAllCause(send(task), (cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.zipRight(Effect.logError("dispatch failed", cause), requeue(task, "the dispatch failed"))
        )
      yield* FiberSet.run(fibers, Effect.forever(Effect.flatMap(Queue.take(lane), sendSafely)))
      return lane
    }).pipe(laneLock.withPermits(1))
  const dispatch = (task: Task) =>
    task.node === null ? Effect.void : Effect.flatMap(laneOf(task.node), (lane) => Queue.offer(lane, task))

  const getTask = (id: TaskId) =>
    Effect.flatMap(store.getTask(id), (o) =>
      Option.isNone(o)
        ? Effect.fail(new NotFound({ message: `task ${id} not found` }))
        : Effect.succeed(o.value)
    )

  const unreachable = (task: Task) => (e: { readonly _tag: string }) =>
    new Unavailable({ message: `the runner of node ${task.node ?? "?"} could not be reached (${e._tag})` })

  /** Calls the runner of a task with one of its control routes. */
  const forward = (
    task: Task,
    call: (client: RunnerClient) => Effect.Effect<void, { readonly _tag: string }>
  ): Effect.Effect<"done" | "unknown", Unavailable | Conflict> =>
    Effect.flatMap(clientOf(task), (client) =>
      Option.isNone(client)
        ? Effect.succeed("unknown" as const)
        : call(client.value).pipe(
            Effect.timeoutFail({ duration: runTimeout, onTimeout: () => ({ _tag: "Timeout" }) as const }),
            Effect.as("done" as const),
            Effect.catchIf(
              (e): e is NotFound => e._tag === "NotFound",
              () => Effect.succeed("unknown" as const)
            ),
            Effect.mapError((e) =>
              e instanceof Conflict
                ? new Conflict({ message: `the runner refused: ${e.message}` })
                : unreachable(task)(e)
            )
          )
    )

  const toConflict = (e: { readonly message: string }) => new Conflict({ message: e.message })

  /** Waits (briefly) until the task is final, then answers its latest state. */
  const settle = (id: TaskId) =>
    Effect.scoped(
      Effect.gen(function* () {
        const sub = yield* events.watch([id])
        const task = yield* getTask(id)
        if (task.status !== "running" && task.status !== "paused") return task
        yield* Stream.fromQueue(sub).pipe(
          Stream.filter((c) => c.status !== "running" && c.status !== "paused"),
          Stream.take(1),
          Stream.runDrain,
          Effect.timeout(killWait),
          Effect.ignore
        )
        return yield* getTask(id)
      })
    )

  const kill: DispatcherShape["kill"] = Effect.fn("Dispatcher.kill")(function* (id: TaskId) {
    const task = yield* getTask(id)
    switch (task.status) {
      case "pending":
      case "assigning": {
        const at = yield* now
        const killed = yield* store
          .transition(id, "killed", at, { from: ["pending", "assigning"], error: "cancelled before it ran" })
          .pipe(
            Effect.catchTag("IllegalTransition", () => Effect.succeed(undefined)),
            Effect.mapError(toConflict)
          )
        // it moved on meanwhile (accepted by its runner): kill it there
        if (killed === undefined) return yield* kill(id)
        if (task.status === "assigning") {
          yield* FiberSet.run(
            fibers,
            forward(task, (c) => c.tasks.kill({ path: { id } })).pipe(Effect.ignore)
          )
        }
        return killed
      }
      case "running":
      case "paused": {
        const outcome = yield* forward(task, (c) => c.tasks.kill({ path: { id } }))
        if (outcome === "unknown") {
          const at = yield* now
          return yield* store
            .transition(id, "killed", at, { error: "killed; its runner no longer had the task" })
            .pipe(Effect.mapError(toConflict))
        }
        return yield* settle(id)
      }
      default:
        return yield* Effect.fail(new Conflict({ message: `task ${id} is already ${task.status}` }))
    }
  })

  const control = (verb: "pause" | "resume") =>
    Effect.fn(`Dispatcher.${verb}`)(function* (id: TaskId) {
      const task = yield* getTask(id)
      const [from, to] =
        verb === "pause" ? (["running", "paused"] as const) : (["paused", "running"] as const)
      if (task.status === to) return task
      if (task.status !== from) {
        return yield* Effect.fail(
          new Conflict({ message: `task ${id} is ${task.status}; only a ${from} task can be ${verb}d` })
        )
      }
      const outcome = yield* forward(task, (c) =>
        verb === "pause" ? c.tasks.pause({ path: { id } }) : c.tasks.resume({ path: { id } })
      )
      if (outcome === "unknown") {
        return yield* Effect.fail(new Conflict({ message: `the runner of task ${id} does not have it` }))
      }
      const at = yield* now
      return yield* store.transition(id, to, at, { from: [from, to] }).pipe(Effect.mapError(toConflict))
    })

  // after a host restart, tasks left `assigning` are sent again (a runner that has one answers Conflict)
  const leftOver = yield* store.tasksWithStatus(["assigning"])
  yield* Effect.forEach(leftOver, dispatch, { discard: true })

  return Dispatcher.of({ dispatch, kill, pause: control("pause"), resume: control("resume") })
})

/**
 * The dispatcher.
 * @category layers
 */
export const layer: Layer.Layer<Dispatcher, never, Store | RunnerClients | TaskEvents | HostConfig> =
  Layer.scoped(Dispatcher, make)
