/**
 * The outbox of status reports: every status change of a task is queued here, persisted to a
 * small file under the runner's state folder, and sent to the host in order (all that wait, in one
 * request), retried until the host takes them. Nothing is dropped while the host is down, and a runner restart resumes the
 * queue from the file.
 *
 * @since 0.1.0
 */
import { isFinal, type NodeName, StatusReports, StatusUpdate, type TaskId } from "@hakuriver/sdk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { HostClient } from "./HostClient.js"
import { retryForever } from "./retryForever.js"
import { type Encoded, itemEncoder, readJsonFile, writeJsonList } from "./jsonFile.js"

/**
 * The outbox service.
 * @category tags
 */
export class StatusOutbox extends Context.Tag("@hakuriver/runner/StatusOutbox")<
  StatusOutbox,
  {
    /** Queues an update; it is on disk when this returns. */
    readonly push: (update: StatusUpdate) => Effect.Effect<void>
    /** The updates not yet taken by the host, oldest first. */
    readonly pending: Effect.Effect<ReadonlyArray<StatusUpdate>>
    /** Tasks whose final status the host has not taken yet (still "running" for the host). */
    readonly unreportedFinal: Effect.Effect<ReadonlyArray<TaskId>>
  }
>() {}

/**
 * Options of the outbox.
 * @category models
 */
export interface StatusOutboxOptions {
  /** The file the queue is kept in. */
  readonly file: string
  /**
   * This runner's node, sent with every batch: the host then refuses a report for a task it has
   * placed elsewhere (a copy that started here after the host gave up on this node).
   */
  readonly node?: NodeName | undefined
  /** Longest wait between two attempts while the host is down; default 5 s. */
  readonly maxBackoff?: Duration.DurationInput | undefined
  /**
   * How long a queue holding only starts (`running`) waits for an end before it is sent; default
   * 10 ms. A task that ends at once then reports its start and end in one request, and its end
   * does not wait behind the request of its start.
   */
  readonly gather?: Duration.DurationInput | undefined
}

const Stored = Schema.Array(StatusUpdate)
const encode = itemEncoder(StatusUpdate)

/** The most reports sent in one request. */
const batchLimit = 200

/**
 * Builds the outbox and starts its sender in the layer's scope.
 * @category constructors
 */
export const make = (options: StatusOutboxOptions) =>
  Effect.gen(function* () {
    const client = yield* HostClient
    const initial = Option.getOrElse(yield* readJsonFile(options.file, Stored), () => [])
    const queue = yield* Ref.make<ReadonlyArray<Encoded<StatusUpdate>>>(initial.map(encode))
    const updates = Effect.map(Ref.get(queue), (items) => items.map((item) => item.value))
    /** Whether the queue holds only starts (`running`); true when it is empty. */
    const onlyStarts = Effect.map(Ref.get(queue), (items) => items.every((i) => i.value.status === "running"))
    const wake = yield* Queue.sliding<void>(1)
    const persist = Effect.flatMap(Ref.get(queue), (items) => writeJsonList(options.file, items))
    const maxBackoff = Duration.decode(options.maxBackoff ?? "5 seconds")
    const gather = Duration.decode(options.gather ?? "10 millis")

    /**
     * Sends the oldest reports in one request, retried until the host answers for each; every
     * attempt takes all that wait by then, so reports held during an outage go out together.
     * Answers with how many were sent.
     */
    const sendHead = Effect.gen(function* () {
      const batch = (yield* Ref.get(queue)).slice(0, batchLimit).map((item) => item.value)
      const [first, ...rest] = batch
      if (first === undefined) return 0
      const outcomes = yield* client.runners.reportStatuses({
        // reports made by this runner; the request encodes (and checks) them
        payload: new StatusReports(
          { ...(options.node === undefined ? {} : { node: options.node }), updates: [first, ...rest] },
          true
        )
      })
      // refused for good: the host knows better (unknown task, or a move it does not allow)
      for (const o of outcomes) {
        if (!o.accepted)
          yield* Effect.logWarning(`host refused a status report for task ${o.taskId}: ${o.reason ?? "?"}`)
      }
      return batch.length
    }).pipe(
      retryForever("sending status reports", "100 millis", maxBackoff),
      Effect.withSpan("StatusOutbox.send")
    )

    const sender = Effect.gen(function* () {
      if ((yield* Ref.get(queue)).length === 0) {
        yield* Queue.take(wake)
        return
      }
      // only starts so far: a moment for an end to join them (the next push wakes this at once;
      // a wake-up left from the pushes already seen is dropped first). Anything else (an end, a
      // pause) goes at once: a late `paused` would undo a resume the host has already made.
      if (yield* onlyStarts) {
        yield* Queue.takeAll(wake)
        if (yield* onlyStarts) yield* Effect.ignore(Effect.timeout(Queue.take(wake), gather))
      }
      const sent = yield* sendHead
      // only the tail grows meanwhile: the sent reports are still the head
      yield* Ref.update(queue, (all) => all.slice(sent))
      yield* persist
    }).pipe(Effect.forever, Effect.annotateLogs("service", "StatusOutbox"))

    yield* Effect.forkScoped(sender)
    if (initial.length > 0) yield* Effect.logInfo(`resuming ${initial.length} unsent status report(s)`)

    const push = (update: StatusUpdate) =>
      Ref.update(queue, (all) => [...all, encode(update)]).pipe(
        Effect.zipRight(persist),
        Effect.zipRight(Queue.offer(wake, undefined)),
        Effect.asVoid,
        Effect.uninterruptible
      )

    return StatusOutbox.of({
      push,
      pending: updates,
      unreportedFinal: Effect.map(updates, (items) => [
        ...new Set(items.filter((u) => isFinal(u.status)).map((u) => u.taskId))
      ])
    })
  })

/**
 * The outbox as a layer; its sender runs as long as the layer.
 * @category layers
 */
export const layer = (options: StatusOutboxOptions): Layer.Layer<StatusOutbox, never, HostClient> =>
  Layer.scoped(StatusOutbox, make(options))
