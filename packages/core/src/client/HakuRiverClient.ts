/**
 * The Effect client of a HakuRiver host: `HttpApiClient` derived from `HostApi` over the fetch
 * HTTP client (no Node-only transport), with every failure turned into a
 * {@link HakuRiverFailure}.
 *
 * @since 0.1.0
 */
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { HostApi } from "../api/HostApi.js"
import {
  type HealthReport,
  type LogChunk,
  defaultHoldMs,
  type LogStream,
  maxHoldMs,
  type NodeView,
  type Ping,
  SubmitAndWaitResponse,
  type SubmitResponse
} from "../api/models.js"
import { BatchId, NodeName, TaskId } from "../domain/ids.js"
import { inIdOrder, type Task } from "../domain/Task.js"
import { isFinal, type TaskStatus } from "../domain/TaskStatus.js"
import * as ClientHttp from "./clientHttp.js"
import { type Connection, type ConnectOptions, resolveConnection } from "./Connection.js"
import { type HakuRiverFailure, hakuRiverError } from "./HakuRiverError.js"
import { type SubmitRequest, toTaskSpec } from "./SubmitRequest.js"
import { toFailure } from "./toFailure.js"

const makeApi = (connection: Connection) =>
  HttpApiClient.make(HostApi, {
    baseUrl: connection.url,
    transformClient:
      connection.token === ""
        ? undefined
        : HttpClient.mapRequest(HttpClientRequest.bearerToken(connection.token))
  })

/**
 * The raw client derived from `HostApi` (groups `tasks`, `cluster`, `docker`, `runners`), for
 * calls the service does not wrap.
 * @category models
 */
export type HostApiClient = Effect.Effect.Success<ReturnType<typeof makeApi>>

/**
 * Filters of {@link HakuRiverClient.Service.tasks}.
 * @category models
 */
export interface TaskFilter {
  /** One status or several (`["running", "pending"]`). */
  readonly status?: TaskStatus | ReadonlyArray<TaskStatus> | undefined
  /** Tasks placed on this node. */
  readonly node?: string | undefined
  /** Tasks of this batch. */
  readonly batch?: string | undefined
  /** At most this many (newest first, as the host orders them). */
  readonly limit?: number | undefined
  /** Skip this many. */
  readonly offset?: number | undefined
}

/**
 * Options of {@link HakuRiverClient.Service.wait}.
 * @category models
 */
export interface WaitEffectOptions<R = never> {
  /**
   * Seconds one long-poll may last before the client asks again (at most 60; default 30). The
   * host answers as soon as a status changes, so this is not a delay between checks.
   */
  readonly pollInterval?: number | undefined
  /** Called with every task each time one of them changes status (and once at the start). */
  readonly onUpdate?: ((tasks: ReadonlyArray<Task>) => Effect.Effect<void, never, R>) | undefined
}

/**
 * Options of {@link HakuRiverClient.Service.logs} and {@link HakuRiverClient.Service.followLogs}.
 * @category models
 */
export interface LogOptions {
  /** `stdout` (default) or `stderr`. */
  readonly stream?: LogStream | undefined
  /** Only the last N lines (of what exists when the call starts). */
  readonly tail?: number | undefined
}

/**
 * One read of a log: from `offset`, waiting up to `waitMs` for new bytes.
 * @category models
 */
export interface LogReadOptions extends LogOptions {
  readonly offset?: number | undefined
  readonly waitMs?: number | undefined
}

/** @since 0.1.0 */
export declare namespace HakuRiverClient {
  /**
   * What the client can do. Every call fails only with a {@link HakuRiverFailure}.
   * @category models
   */
  export interface Service {
    /** Where this client talks to. */
    readonly connection: Connection
    /** The raw derived client (docker environment routes, …). */
    readonly api: HostApiClient
    /** Submits one task per target (or one placed task); refused targets are listed, not thrown. */
    readonly submit: (request: SubmitRequest) => Effect.Effect<SubmitResponse, HakuRiverFailure>
    /** Submits several requests as ONE batch (a sweep): one batch id for all their tasks. */
    readonly submitBatch: (
      requests: ReadonlyArray<SubmitRequest>
    ) => Effect.Effect<SubmitResponse, HakuRiverFailure>
    /** One task. */
    readonly status: (id: string) => Effect.Effect<Task, HakuRiverFailure>
    /**
     * Submits like `submit` and waits like `wait`, in one request for a task that ends within a
     * long-poll (`pollInterval`): the host holds its answer until the tasks end. Resolves with
     * the submission and its final tasks (in `taskIds` order).
     */
    readonly submitAndWait: <R = never>(
      request: SubmitRequest,
      options?: WaitEffectOptions<R>
    ) => Effect.Effect<SubmitAndWaitResponse, HakuRiverFailure, R>
    /** Waits until every task is final (long-polls the host) and returns them in the given order. */
    readonly wait: <R = never>(
      ids: ReadonlyArray<string>,
      options?: WaitEffectOptions<R>
    ) => Effect.Effect<ReadonlyArray<Task>, HakuRiverFailure, R>
    /** Kills a task (a queued one is cancelled at once). */
    readonly kill: (id: string) => Effect.Effect<Task, HakuRiverFailure>
    /** Pauses a running task. */
    readonly pause: (id: string) => Effect.Effect<Task, HakuRiverFailure>
    /** Resumes a paused task. */
    readonly resume: (id: string) => Effect.Effect<Task, HakuRiverFailure>
    /** One read of a task's log. */
    readonly readLog: (id: string, options?: LogReadOptions) => Effect.Effect<LogChunk, HakuRiverFailure>
    /** A task's log as it is now (or its last `tail` lines). */
    readonly logs: (id: string, options?: LogOptions) => Effect.Effect<string, HakuRiverFailure>
    /** A task's log as it grows, ending when the task is final and everything was read. */
    readonly followLogs: (id: string, options?: LogOptions) => Stream.Stream<string, HakuRiverFailure>
    /** Tasks, filtered. */
    readonly tasks: (filter?: TaskFilter) => Effect.Effect<ReadonlyArray<Task>, HakuRiverFailure>
    /** The nodes. */
    readonly nodes: () => Effect.Effect<ReadonlyArray<NodeView>, HakuRiverFailure>
    /** Health of every node and the cluster totals, or of one node. */
    readonly health: (node?: string) => Effect.Effect<HealthReport, HakuRiverFailure>
    /** Whether the host answers; its version. */
    readonly ping: () => Effect.Effect<Ping, HakuRiverFailure>
  }
}

/**
 * The client service.
 * @category tags
 * @example
 * const program = Effect.gen(function* () {
 *   const client = yield* HakuRiverClient
 *   const { taskIds } = yield* client.submit({ command: ["echo", "hi"] })
 *   return yield* client.wait(taskIds)
 * }).pipe(Effect.provide(HakuRiverClient.layer({ url: "http://127.0.0.1:8000" })))
 */
export class HakuRiverClient extends Context.Tag("@hakuriver/sdk/HakuRiverClient")<
  HakuRiverClient,
  HakuRiverClient.Service
>() {
  /** Builds the client for a resolved connection (needs an `HttpClient`). */
  static readonly make = (connection: Connection) => make(connection)
  /**
   * The client over undici (Node's HTTP client, see `clientHttp.ts`), finding the host as
   * `connect` does (options, environment, config).
   */
  static readonly layer = (options: ConnectOptions = {}): Layer.Layer<HakuRiverClient, HakuRiverFailure> =>
    Layer.effect(
      HakuRiverClient,
      Effect.flatMap(resolveConnection(options), (connection) => make(connection))
    ).pipe(Layer.provide(ClientHttp.layer))
}

const decodeId = (id: string) =>
  Schema.decodeUnknown(TaskId)(id).pipe(
    Effect.mapError(() =>
      hakuRiverError("BadRequest", `invalid task id ${JSON.stringify(id)}: must be decimal digits`)
    )
  )

const decodeBatch = (id: string) =>
  Schema.decodeUnknown(BatchId)(id).pipe(
    Effect.mapError(() =>
      hakuRiverError("BadRequest", `invalid batch id ${JSON.stringify(id)}: must be decimal digits`)
    )
  )

const decodeNode = (name: string) =>
  Schema.decodeUnknown(NodeName)(name).pipe(
    Effect.mapError(() => hakuRiverError("BadRequest", `invalid node name ${JSON.stringify(name)}`))
  )

const make = (connection: Connection) =>
  Effect.gen(function* () {
    const api = yield* makeApi(connection)
    const fail = toFailure(connection.url)
    const call = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, HakuRiverFailure> =>
      Effect.mapError(effect, fail)

    const submit = Effect.fn("HakuRiverClient.submit")(function* (request: SubmitRequest) {
      const payload = yield* toTaskSpec(request)
      return yield* call(api.tasks.submit({ payload }))
    })

    const submitBatch = Effect.fn("HakuRiverClient.submitBatch")(function* (
      requests: ReadonlyArray<SubmitRequest>
    ) {
      const [first, ...rest] = yield* Effect.forEach(requests, toTaskSpec)
      if (first === undefined)
        return yield* Effect.fail(hakuRiverError("BadRequest", "a batch needs at least one task"))
      return yield* call(api.tasks.submitBatch({ payload: { tasks: [first, ...rest] } }))
    })

    const status = Effect.fn("HakuRiverClient.status")(function* (id: string) {
      const taskId = yield* decodeId(id)
      return yield* call(api.tasks.get({ path: { id: taskId } }))
    })

    const control = (action: "kill" | "pause" | "resume") =>
      Effect.fn(`HakuRiverClient.${action}`)(function* (id: string) {
        const taskId = yield* decodeId(id)
        return yield* call(api.tasks[action]({ path: { id: taskId } }))
      })

    /**
     * Long-polls the host until every task is final, starting from the tasks in `latest` (none,
     * or those a submit that waits answered with); `latest` ends up holding them all.
     */
    const follow = <R>(
      taskIds: ReadonlyArray<TaskId>,
      latest: Map<TaskId, Task>,
      options: WaitEffectOptions<R>
    ) =>
      Effect.gen(function* () {
        const timeoutMs = holdMs(options)
        // each round asks only about the unfinished tasks and gets back only those that changed;
        // without onUpdate, only their ends matter, so the host answers only when one ends
        const finalOnly = options.onUpdate === undefined
        for (;;) {
          const open = taskIds.filter((id) => {
            const task = latest.get(id)
            return task === undefined || !isFinal(task.status)
          })
          const [head, ...tail] = open
          if (head === undefined) return inIdOrder(taskIds, latest.values())
          const known: Record<TaskId, TaskStatus> = {}
          for (const id of open) {
            const task = latest.get(id)
            if (task !== undefined) known[id] = task.status
          }
          const changed = yield* call(
            api.tasks.wait({
              payload: { taskIds: [head, ...tail], known, timeoutMs, changedOnly: true, finalOnly }
            })
          )
          for (const t of changed) latest.set(t.taskId, t)
          if (changed.length > 0 && options.onUpdate !== undefined) {
            yield* options.onUpdate(inIdOrder(taskIds, latest.values()))
          }
        }
      })

    const wait = <R = never>(ids: ReadonlyArray<string>, options: WaitEffectOptions<R> = {}) =>
      Effect.gen(function* () {
        const taskIds = yield* Effect.forEach(ids, decodeId)
        if (taskIds.length === 0) return [] as ReadonlyArray<Task>
        return yield* follow(taskIds, new Map(), options)
      }).pipe(Effect.withSpan("HakuRiverClient.wait"))

    const submitAndWait = <R = never>(request: SubmitRequest, options: WaitEffectOptions<R> = {}) =>
      Effect.gen(function* () {
        const payload = yield* toTaskSpec(request)
        // the host holds its answer until the tasks end (or the hold runs out): a short task's
        // submit and end are one request
        const held = yield* call(api.tasks.submitAndWait({ payload, urlParams: { waitMs: holdMs(options) } }))
        const latest = new Map(held.tasks.map((t) => [t.taskId, t] as const))
        if (options.onUpdate !== undefined) yield* options.onUpdate(inIdOrder(held.taskIds, held.tasks))
        const tasks = yield* follow(held.taskIds, latest, options)
        return new SubmitAndWaitResponse({ ...held, tasks }, true)
      }).pipe(Effect.withSpan("HakuRiverClient.submitAndWait"))

    const readLog = Effect.fn("HakuRiverClient.readLog")(function* (
      id: string,
      options: LogReadOptions = {}
    ) {
      const taskId = yield* decodeId(id)
      return yield* call(
        api.tasks.logs({
          path: { id: taskId },
          urlParams: {
            stream: options.stream ?? "stdout",
            ...(options.tail === undefined ? {} : { tail: options.tail }),
            ...(options.offset === undefined ? {} : { offset: options.offset }),
            ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs })
          }
        })
      )
    })

    const logs = (id: string, options: LogOptions = {}) =>
      Effect.map(readLog(id, options), (chunk) => chunk.data)

    const followLogs = (id: string, options: LogOptions = {}): Stream.Stream<string, HakuRiverFailure> => {
      interface Cursor {
        readonly offset: number | undefined
      }
      const first: Cursor = { offset: undefined }
      return Stream.paginateEffect(first, (cursor: Cursor) =>
        Effect.map(
          readLog(id, {
            stream: options.stream,
            ...(cursor.offset !== undefined
              ? { offset: cursor.offset, waitMs: 20_000 }
              : options.tail === undefined
                ? { offset: 0 }
                : { tail: options.tail })
          }),
          (chunk): readonly [string, Option.Option<Cursor>] => [
            chunk.data,
            chunk.done ? Option.none() : Option.some({ offset: chunk.offset })
          ]
        )
      ).pipe(Stream.filter((data) => data !== ""))
    }

    const tasks = Effect.fn("HakuRiverClient.tasks")(function* (filter: TaskFilter = {}) {
      const statuses =
        filter.status === undefined
          ? undefined
          : typeof filter.status === "string"
            ? [filter.status]
            : filter.status
      const urlParams = {
        ...(statuses === undefined || statuses.length === 0 ? {} : { status: statuses.join(",") }),
        ...(filter.node === undefined ? {} : { node: yield* decodeNode(filter.node) }),
        ...(filter.batch === undefined ? {} : { batch: yield* decodeBatch(filter.batch) }),
        ...(filter.limit === undefined ? {} : { limit: filter.limit }),
        ...(filter.offset === undefined ? {} : { offset: filter.offset })
      }
      return yield* call(api.tasks.list({ urlParams }))
    })

    const nodes = () => call(api.cluster.nodes()).pipe(Effect.withSpan("HakuRiverClient.nodes"))

    const health = Effect.fn("HakuRiverClient.health")(function* (node?: string) {
      const urlParams = node === undefined ? {} : { node: yield* decodeNode(node) }
      return yield* call(api.cluster.health({ urlParams }))
    })

    const ping = () => call(api.cluster.ping()).pipe(Effect.withSpan("HakuRiverClient.ping"))

    return HakuRiverClient.of({
      connection,
      api,
      submit,
      submitBatch,
      submitAndWait,
      status,
      wait,
      kill: control("kill"),
      pause: control("pause"),
      resume: control("resume"),
      readLog,
      logs,
      followLogs,
      tasks,
      nodes,
      health,
      ping
    })
  })

/** How long one long-poll may last, in milliseconds (`pollInterval` seconds, at most 60). */
const holdMs = (options: { readonly pollInterval?: number | undefined }): number =>
  options.pollInterval === undefined
    ? defaultHoldMs
    : Math.min(Math.round(Math.max(options.pollInterval, 0) * 1000), maxHoldMs)
