/**
 * The host's persistent state: nodes, batches and tasks behind `SqlClient`. Every status change
 * is checked against the domain transition table (`TaskMove`): in the one `UPDATE` that makes it
 * when it can be made, else in a transaction that reads the row and says why not. It is
 * published on `TaskEvents` once committed.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import {
  activeStatuses,
  BatchId,
  ContainerChoice,
  canTransition,
  ExecutorKind,
  GpuInfo,
  Mount,
  NodeInfo,
  NodeName,
  NodeUsage,
  NumaNode,
  Task,
  TaskEnv,
  TaskId,
  TaskStatus
} from "@hakuriver/sdk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { migrate } from "./migrations.js"
import { NodeListCache } from "./NodeListCache.js"
import type { TaskClaim } from "./Scheduler.js"
import * as SqliteDatabase from "./SqliteDatabase.js"
import { type TaskChange, TaskEvents } from "./TaskEvents.js"
import * as TaskMove from "./TaskMove.js"
import { UnwrittenBeats } from "./UnwrittenBeats.js"

/** A task id that the store does not hold. @category errors */
export class TaskNotFound extends Schema.TaggedError<TaskNotFound>()("TaskNotFound", {
  taskId: Schema.String
}) {
  override get message(): string {
    return `task ${this.taskId} not found`
  }
}

/** A status move the transition table forbids. @category errors */
export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  taskId: Schema.String,
  from: TaskStatus,
  to: TaskStatus
}) {
  override get message(): string {
    return `task ${this.taskId} cannot go from ${this.from} to ${this.to}`
  }
}

/** A report from a node the task is not placed on (a stray copy, or a node that lost it). @category errors */
export class NotOnNode extends Schema.TaggedError<NotOnNode>()("NotOnNode", {
  taskId: Schema.String,
  node: Schema.String,
  placedOn: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    return this.placedOn === null
      ? `task ${this.taskId} is not placed on any node, not on ${this.node}`
      : `task ${this.taskId} is placed on node ${this.placedOn}, not on ${this.node}`
  }
}

/** Whether a node answers heartbeats. @category models */
export type NodeStatus = "online" | "offline"

/** A node as the host keeps it. @category models */
export interface NodeRecord {
  readonly info: NodeInfo
  readonly status: NodeStatus
  readonly usage: NodeUsage | null
  readonly registeredAt: string
  readonly lastHeartbeatAt: string | null
}

/** What the host decides about a new task before the store gives it ids. @category models */
export interface TaskDraft {
  readonly command: Task["command"]
  readonly env: Task["env"]
  readonly cores: number
  readonly memoryBytes: number | null
  readonly gpus: ReadonlyArray<number>
  readonly numaNode: number | null
  readonly target: string | null
  readonly container: Task["container"]
  readonly privileged: boolean
  readonly mounts: ReadonlyArray<string>
}

/** Fields written together with a status change. @category models */
export type { TransitionPatch } from "./TaskMove.js"

/** Filters of `listTasks`. @category models */
export interface TaskFilter {
  readonly statuses?: ReadonlyArray<TaskStatus>
  readonly node?: string
  readonly batch?: string
  readonly limit?: number
  readonly offset?: number
}

/** A page of `tasksWithStatus`: `limit` tasks after the task `after` (from the first without it). @category models */
export interface TaskPage {
  readonly after?: string | undefined
  readonly limit: number
}

/**
 * The store's interface.
 * @category services
 */
export interface StoreShape {
  /** Inserts or refreshes a node and marks it online. */
  readonly upsertNode: (info: NodeInfo, now: string) => Effect.Effect<void>
  /** Records a heartbeat; `None` when the node is unknown. Returns the status it had before. */
  readonly heartbeat: (
    name: string,
    usage: NodeUsage,
    now: string
  ) => Effect.Effect<Option.Option<NodeStatus>>
  readonly getNode: (name: string) => Effect.Effect<Option.Option<NodeRecord>>
  readonly listNodes: Effect.Effect<ReadonlyArray<NodeRecord>>
  /** One node of `listNodes`, found by name (through the kept list's index when it is kept). */
  readonly findNode: (name: string) => Effect.Effect<NodeRecord | undefined>
  /**
   * Marks a node offline and its assigning/running/paused tasks `lost`, in one transaction —
   * unless it heartbeated after `staleBefore` (a heartbeat that raced the check wins).
   */
  readonly markNodeOffline: (
    name: string,
    reason: string,
    now: string,
    staleBefore?: string
  ) => Effect.Effect<ReadonlyArray<Task>>
  /** Creates a batch with one task per draft, all `pending`, in one transaction. */
  readonly submit: (
    drafts: ReadonlyArray<TaskDraft>,
    logPaths: (taskId: TaskId) => { readonly stdout: string; readonly stderr: string },
    now: string,
    nowMs: number
  ) => Effect.Effect<{ readonly batchId: BatchId; readonly tasks: ReadonlyArray<Task> }>
  readonly getTask: (id: string) => Effect.Effect<Option.Option<Task>>
  readonly getTasks: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Task>>
  /** The status of each of these tasks that exists (one light read, nothing decoded). */
  readonly statusesOf: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, TaskStatus>>
  /** Tasks filtered, newest first. */
  readonly listTasks: (filter: TaskFilter) => Effect.Effect<ReadonlyArray<Task>>
  /**
   * Tasks in the given statuses (optionally on one node), in submit order; with `page`, at most
   * `limit` of them, those submitted after the task `after`.
   */
  readonly tasksWithStatus: (
    statuses: ReadonlyArray<TaskStatus>,
    node?: string,
    page?: TaskPage
  ) => Effect.Effect<ReadonlyArray<Task>>
  /**
   * What the tasks holding resources (assigning, running, paused) ask for, in no order. Kept in
   * memory (every status change goes through this store): placement reads it every round.
   */
  readonly activeClaims: Effect.Effect<ReadonlyArray<TaskClaim>>
  /** How many tasks have one of the statuses (a count: nothing is read or decoded). */
  readonly countWithStatus: (statuses: ReadonlyArray<TaskStatus>) => Effect.Effect<number>
  /** Like `tasksWithStatus` (all nodes), but only what placement reads of each task. */
  readonly claimsWithStatus: (
    statuses: ReadonlyArray<TaskStatus>,
    page?: TaskPage
  ) => Effect.Effect<ReadonlyArray<TaskClaim>>
  /**
   * Moves a task to `to` if the transition table allows it. Moving to the status it has is a
   * no-op; a report of an end state for a task still `assigning` passes through `running`.
   */
  readonly transition: (
    id: string,
    to: TaskStatus,
    now: string,
    patch?: TaskMove.TransitionPatch
  ) => Effect.Effect<Task, TaskNotFound | IllegalTransition | NotOnNode>
}

/**
 * The host's store.
 * @category services
 */
export class Store extends Context.Tag("@hakuriver/host/Store")<Store, StoreShape>() {}

const Json = <A, I>(schema: Schema.Schema<A, I>) => Schema.parseJson(schema)

/** A BIGINT column: a number from SQLite, a decimal string from PostgreSQL. */
const BigIntColumn = Schema.Union(Schema.Number, Schema.NumberFromString)

const NodeRow = Schema.Struct({
  name: NodeName,
  url: Schema.String,
  cores: Schema.Number,
  memory_bytes: BigIntColumn.pipe(Schema.compose(Schema.NonNegativeInt)),
  numa: Json(Schema.Array(NumaNode)),
  gpus: Json(Schema.Array(GpuInfo)),
  executors: Json(Schema.Array(ExecutorKind)),
  status: Schema.Literal("online", "offline"),
  usage: Schema.NullOr(Json(NodeUsage)),
  registered_at: Schema.String,
  last_heartbeat_at: Schema.NullOr(Schema.String)
})

const TaskRow = Schema.Struct({
  task_id: TaskId,
  batch_id: BatchId,
  status: TaskStatus,
  command: Json(Schema.NonEmptyArray(Schema.String)),
  env: Json(TaskEnv),
  cores: Schema.Number,
  memory_bytes: Schema.NullOr(BigIntColumn),
  gpus: Json(Schema.Array(Schema.NonNegativeInt)),
  numa_node: Schema.NullOr(Schema.NonNegativeInt),
  target: Schema.NullOr(Schema.String),
  node: Schema.NullOr(NodeName),
  container: ContainerChoice,
  privileged: Schema.Number,
  mounts: Json(Schema.Array(Mount)),
  exit_code: Schema.NullOr(Schema.Int),
  error: Schema.NullOr(Schema.String),
  submitted_at: Schema.String,
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String),
  stdout_path: Schema.String,
  stderr_path: Schema.String,
  attempt: Schema.NonNegativeInt
})

const ClaimRow = TaskRow.pick(
  "task_id",
  "status",
  "node",
  "target",
  "cores",
  "memory_bytes",
  "gpus",
  "numa_node",
  "container"
)
const claimColumns = Object.keys(ClaimRow.fields).join(", ")
const decodeClaims = (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<TaskClaim>> =>
  Schema.decodeUnknown(Schema.Array(ClaimRow))(rows).pipe(
    Effect.map((decoded) =>
      decoded.map((r) => ({
        taskId: r.task_id,
        status: r.status,
        node: r.node,
        target: r.target,
        cores: r.cores,
        memoryBytes: r.memory_bytes,
        gpus: r.gpus,
        numaNode: r.numa_node,
        container: r.container
      }))
    ),
    Effect.orDie
  )

const decodeNode = Schema.decodeUnknown(NodeRow)
const decodeTask = Schema.decodeUnknown(TaskRow)

const toNode = (row: unknown): Effect.Effect<NodeRecord> =>
  Effect.map(decodeNode(row), (r) => ({
    info: new NodeInfo(
      {
        name: r.name,
        url: r.url,
        cores: r.cores,
        memoryBytes: r.memory_bytes,
        numa: r.numa,
        gpus: r.gpus,
        executors: r.executors
      },
      // decoded just above; validating again cost 15% of the host CPU with 50 runners
      true
    ),
    status: r.status,
    usage: r.usage,
    registeredAt: r.registered_at,
    lastHeartbeatAt: r.last_heartbeat_at
  })).pipe(Effect.orDie)

const toTask = (row: unknown): Effect.Effect<Task> =>
  Effect.map(
    decodeTask(row),
    (r) =>
      new Task(
        {
          taskId: r.task_id,
          batchId: r.batch_id,
          status: r.status,
          command: r.command,
          env: r.env,
          cores: r.cores,
          memoryBytes: r.memory_bytes,
          gpus: r.gpus,
          numaNode: r.numa_node,
          target: r.target,
          node: r.node,
          container: r.container,
          privileged: r.privileged !== 0,
          mounts: r.mounts,
          exitCode: r.exit_code,
          error: r.error,
          submittedAt: r.submitted_at,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          stdoutPath: r.stdout_path,
          stderrPath: r.stderr_path,
          attempt: r.attempt
        },
        // the row was just decoded: validating the fields again cost as much as the decode
        true
      )
  ).pipe(Effect.orDie)

const json = (value: unknown): string => JSON.stringify(value)

const encodeUsage = Schema.encodeSync(NodeUsage)
/** A node's usage as its JSON column holds it (a decoded usage always encodes). */
const usageColumn = (usage: NodeUsage): string => json(encodeUsage(usage))

/** How often the heartbeats of online nodes are written (see `UnwrittenBeats`). */
const beatWriteInterval = Duration.seconds(1)

/** The store on any `SqlClient` (runs the migrations first). */
const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const events = yield* TaskEvents
  yield* Effect.orDie(migrate)

  const taskRows = (rows: ReadonlyArray<unknown>) => Effect.forEach(rows, toTask)

  /** The task of the first row, if any. */
  const firstTask = (rows: ReadonlyArray<unknown>) =>
    rows[0] === undefined ? Effect.succeed(Option.none<Task>()) : Effect.map(toTask(rows[0]), Option.some)

  const selectTask = (id: string) => Effect.flatMap(sql`SELECT * FROM tasks WHERE task_id = ${id}`, firstTask)

  const upsertNode = (info: NodeInfo, now: string) =>
    sql`INSERT INTO nodes (name, url, cores, memory_bytes, numa, gpus, executors, status, usage, registered_at, last_heartbeat_at)
        VALUES (${info.name}, ${info.url}, ${info.cores}, ${info.memoryBytes}, ${json(info.numa)}, ${json(info.gpus)},
                ${json(info.executors)}, 'online', NULL, ${now}, ${now})
        ON CONFLICT (name) DO UPDATE SET url = excluded.url, cores = excluded.cores,
          memory_bytes = excluded.memory_bytes, numa = excluded.numa, gpus = excluded.gpus,
          executors = excluded.executors, status = 'online', last_heartbeat_at = excluded.last_heartbeat_at`.pipe(
      Effect.asVoid,
      Effect.orDie,
      Effect.ensuring(Effect.zipRight(forgetBeat(info.name), nodesChanged)),
      Effect.withSpan("Store.upsertNode")
    )

  const writeHeartbeat = (name: string, usage: NodeUsage, now: string) =>
    sql`UPDATE nodes SET status = 'online', usage = ${usageColumn(usage)}, last_heartbeat_at = ${now}
        WHERE name = ${name}`

  const beats = new UnwrittenBeats()
  const forgetBeat = (name: string) => Effect.sync(() => beats.forget(name))

  /**
   * Writes the beats taken since the last write, in one statement (the beats as one JSON array,
   * joined to the nodes by SQLite), to nodes still online (one that went offline meanwhile keeps
   * its status and last time). One `UPDATE` per beat cost the host ~100 Effect operations a beat.
   */
  const writeBeats = Effect.suspend(() => {
    const pending = beats.pending()
    if (pending.length === 0) return Effect.void
    const rows = json(pending.map(([name, beat]) => [name, usageColumn(beat.usage), beat.at]))
    return sql`UPDATE nodes SET usage = beat.value ->> 1, last_heartbeat_at = beat.value ->> 2
               FROM json_each(${rows}) AS beat
               WHERE nodes.name = beat.value ->> 0 AND nodes.status = 'online'`.pipe(
      Effect.zipRight(Effect.sync(() => beats.written(pending))),
      Effect.catchAllCause((cause) =>
        Effect.logWarning("cannot write heartbeats (kept for the next try)", cause)
      )
    )
  })
  yield* Effect.addFinalizer(() => writeBeats)
  yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(beatWriteInterval), writeBeats)))

  const heartbeat = (name: string, usage: NodeUsage, now: string) =>
    // a node the kept list shows online (every write to the nodes table goes through this store,
    // and the list is read again after any other write) needs no statement at all: its beat is
    // written with the others within a second; any other node's, at once, in a transaction
    // that reads its status first
    Effect.flatMap(findNode(name), (node) =>
      node?.status === "online"
        ? Effect.sync(() => {
            beats.note(name, { usage, at: now })
            return Option.some<NodeStatus>("online")
          })
        : sql.withTransaction(
            Effect.gen(function* () {
              const rows = yield* sql<{ status: NodeStatus }>`SELECT status FROM nodes WHERE name = ${name}`
              const before = rows[0]
              if (before === undefined) return Option.none<NodeStatus>()
              yield* writeHeartbeat(name, usage, now)
              beats.forget(name)
              return Option.some(before.status)
            })
          )
    ).pipe(
      Effect.orDie,
      // a heartbeat changes one node's usage and times: the kept list is patched, not dropped
      // (with hundreds of runners, dropping it made every submit decode every node again)
      Effect.onExit((exit) =>
        Exit.isSuccess(exit) && Option.isSome(exit.value)
          ? nodePatched(name, (n) => ({ ...n, status: "online", usage, lastHeartbeatAt: now }))
          : nodesChanged
      ),
      Effect.withSpan("Store.heartbeat")
    )

  const getNode = (name: string) =>
    Effect.flatMap(sql`SELECT * FROM nodes WHERE name = ${name}`, (rows) =>
      rows[0] === undefined
        ? Effect.succeed(Option.none<NodeRecord>())
        : Effect.map(toNode(rows[0]), (node) => Option.some(beats.applyTo(node)))
    ).pipe(Effect.orDie)

  const nodes = new NodeListCache<NodeRecord>((n) => n.info.name)
  const nodesChanged = Effect.sync(() => nodes.drop())
  const nodePatched = (name: string, patch: (node: NodeRecord) => NodeRecord) =>
    Effect.sync(() => nodes.patch(name, patch))
  const listNodes = Effect.suspend(() => {
    const kept = nodes.kept
    if (kept !== undefined) return Effect.succeed(kept)
    const start = nodes.begin()
    return Effect.flatMap(sql`SELECT * FROM nodes ORDER BY name`, (rows) =>
      Effect.forEach(rows, toNode)
    ).pipe(
      Effect.map((read) => nodes.landed(start, beats.overlay(read))),
      Effect.orDie
    )
  })

  const findNode = (name: string) =>
    Effect.map(listNodes, (list) => nodes.find(name) ?? list.find((n) => n.info.name === name))

  const markNodeOffline = (name: string, reason: string, now: string, staleBefore?: string) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          if (staleBefore !== undefined) {
            // a beat taken but not written yet counts as much as a written one
            const taken = beats.get(name)?.at
            if (taken !== undefined && taken > staleBefore) return []
            const rows = yield* sql<{
              last: string | null
            }>`SELECT last_heartbeat_at AS last FROM nodes WHERE name = ${name}`
            const last = rows[0]?.last ?? null
            if (last !== null && last > staleBefore) return []
          }
          yield* sql`UPDATE nodes SET status = 'offline' WHERE name = ${name}`
          beats.forget(name)
          const active = yield* Effect.flatMap(
            sql`SELECT * FROM tasks WHERE node = ${name} AND status IN ('assigning', 'running', 'paused') ORDER BY seq`,
            taskRows
          )
          const lost: Array<Task> = []
          for (const task of active) {
            if (!canTransition(task.status, "lost")) continue
            yield* sql`UPDATE tasks SET status = 'lost', error = ${reason}, finished_at = ${now}
                       WHERE task_id = ${task.taskId}`
            lost.push(new Task({ ...task, status: "lost", error: reason, finishedAt: now }))
          }
          return lost
        })
      )
      .pipe(
        Effect.orDie,
        Effect.ensuring(nodesChanged),
        Effect.tap((lost) => Effect.zipRight(track(lost), events.publish(lost.map(change)))),
        Effect.withSpan("Store.markNodeOffline")
      )

  const submit: StoreShape["submit"] = (drafts, logPaths, now, nowMs) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          // ids count up from the clock in µs, and past the last id: the batch takes the first,
          // read and written in one statement (the clock is cast, as it may be bound as a REAL)
          const rows = yield* sql<{
            batch_id: string
          }>`INSERT INTO batches (batch_id, submitted_at, task_count)
                       SELECT CAST(MAX(COALESCE(MAX(seq), 0) + 1, CAST(${nowMs * 1000} AS INTEGER)) AS TEXT),
                         ${now}, ${drafts.length} FROM tasks
                       RETURNING batch_id`
          const batchId = BatchId.make(rows[0]!.batch_id)
          const first = Number(batchId)
          const tasks: Array<Task> = []
          for (const [i, d] of drafts.entries()) {
            const seq = first + i
            const taskId = TaskId.make(String(seq))
            const logs = logPaths(taskId)
            yield* sql`INSERT INTO tasks (task_id, seq, batch_id, status, command, env, cores, memory_bytes, gpus,
                         numa_node, target, node, container, privileged, mounts, exit_code, error, submitted_at,
                         started_at, finished_at, stdout_path, stderr_path)
                       VALUES (${taskId}, ${seq}, ${batchId}, 'pending', ${json(d.command)}, ${json(d.env)}, ${d.cores},
                         ${d.memoryBytes}, ${json(d.gpus)}, ${d.numaNode}, ${d.target}, NULL, ${d.container},
                         ${d.privileged ? 1 : 0}, ${json(d.mounts)}, NULL, NULL, ${now}, NULL, NULL, ${logs.stdout},
                         ${logs.stderr})`
            tasks.push(
              new Task(
                {
                  taskId,
                  batchId,
                  status: "pending",
                  command: d.command,
                  env: d.env,
                  cores: d.cores,
                  memoryBytes: d.memoryBytes,
                  gpus: d.gpus,
                  numaNode: d.numaNode,
                  target: d.target,
                  node: null,
                  container: d.container,
                  privileged: d.privileged,
                  mounts: d.mounts,
                  exitCode: null,
                  error: null,
                  submittedAt: now,
                  startedAt: null,
                  finishedAt: null,
                  stdoutPath: logs.stdout,
                  stderrPath: logs.stderr,
                  attempt: 0
                },
                // the drafts were decoded from the request (and checked): not validated again
                true
              )
            )
          }
          return { batchId, tasks }
        })
      )
      .pipe(
        Effect.orDie,
        Effect.tap(({ tasks }) => events.publish(tasks.map(change))),
        Effect.withSpan("Store.submit")
      )

  const getTasks = (ids: ReadonlyArray<string>) =>
    ids.length === 0
      ? Effect.succeed([])
      : Effect.flatMap(sql`SELECT * FROM tasks WHERE ${sql.in("task_id", ids)} ORDER BY seq`, taskRows).pipe(
          Effect.orDie
        )

  const statusesOf = (ids: ReadonlyArray<string>) =>
    ids.length === 0
      ? Effect.succeed(new Map<string, TaskStatus>())
      : Effect.map(
          sql<{
            task_id: string
            status: TaskStatus
          }>`SELECT task_id, status FROM tasks WHERE ${sql.in("task_id", ids)}`,
          (rows) => new Map(rows.map((r) => [r.task_id, r.status]))
        ).pipe(Effect.orDie)

  const listTasks = (filter: TaskFilter) => {
    const clauses = [
      ...(filter.statuses === undefined ? [] : [sql.in("status", filter.statuses)]),
      ...(filter.node === undefined ? [] : [sql`node = ${filter.node}`]),
      ...(filter.batch === undefined ? [] : [sql`batch_id = ${filter.batch}`])
    ]
    return Effect.flatMap(
      sql`SELECT * FROM tasks WHERE ${sql.and(clauses)} ORDER BY seq DESC
          LIMIT ${filter.limit ?? 1000} OFFSET ${filter.offset ?? 0}`,
      taskRows
    ).pipe(Effect.orDie, Effect.withSpan("Store.listTasks"))
  }

  const withStatus = (statuses: ReadonlyArray<TaskStatus>, node?: string, page?: TaskPage) =>
    sql`WHERE ${sql.and([
      sql.in("status", statuses),
      ...(node === undefined ? [] : [sql`node = ${node}`]),
      ...(page?.after === undefined ? [] : [sql`seq > (SELECT seq FROM tasks WHERE task_id = ${page.after})`])
    ])} ORDER BY seq${page === undefined ? sql`` : sql` LIMIT ${page.limit}`}`

  const tasksWithStatus = (statuses: ReadonlyArray<TaskStatus>, node?: string, page?: TaskPage) =>
    statuses.length === 0
      ? Effect.succeed([])
      : Effect.flatMap(sql`SELECT * FROM tasks ${withStatus(statuses, node, page)}`, taskRows).pipe(
          Effect.orDie
        )

  const countWithStatus = (statuses: ReadonlyArray<TaskStatus>) =>
    statuses.length === 0
      ? Effect.succeed(0)
      : sql<{ readonly n: number }>`SELECT COUNT(*) AS n FROM tasks WHERE ${sql.in("status", statuses)}`.pipe(
          Effect.map((rows) => rows[0]?.n ?? 0),
          Effect.orDie
        )

  const claimsWithStatus = (statuses: ReadonlyArray<TaskStatus>, page?: TaskPage) =>
    statuses.length === 0
      ? Effect.succeed([])
      : Effect.flatMap(
          sql`SELECT ${sql.literal(claimColumns)} FROM tasks ${withStatus(statuses, undefined, page)}`,
          decodeClaims
        ).pipe(Effect.orDie)

  // with 500 busy nodes, reading their 2,000 tasks took 17 ms a placement round
  const holding = new Map<string, TaskClaim>(
    (yield* claimsWithStatus(activeStatuses)).map((claim) => [claim.taskId, claim])
  )
  const track = (tasks: ReadonlyArray<Task>) =>
    Effect.sync(() => {
      for (const task of tasks) {
        if (activeStatuses.includes(task.status)) holding.set(task.taskId, task)
        else holding.delete(task.taskId)
      }
    })
  const activeClaims = Effect.sync(() => [...holding.values()])

  /** A column's value in a move's `UPDATE`: the row's own, or the one given. */
  const column = (name: string, value: TaskMove.Column<string | number | null>) =>
    value.keep ? sql.literal(name) : sql`${value.value}`

  /**
   * A move as one guarded statement: it changes the row only if the task is in a status the move
   * starts from (and on the reporting node), and answers with the row it wrote. SQLite runs a
   * statement atomically, so this needs neither a transaction nor a read first. `None` when no
   * row matched: the task is missing, elsewhere, in another status, or has `to` already.
   */
  const moveAtOnce = (id: string, move: TaskMove.MovePlan) =>
    Effect.flatMap(
      sql`UPDATE tasks SET status = ${move.to}, node = ${column("node", move.node)},
            started_at = COALESCE(started_at,
              CASE WHEN status = ${"assigning"} THEN ${move.startedFromAssigning} ELSE ${move.startedOtherwise} END),
            finished_at = ${move.finishedAt}, exit_code = ${column("exit_code", move.exitCode)},
            error = ${column("error", move.error)}, attempt = attempt + ${move.attemptAdds}
          WHERE task_id = ${id} AND ${sql.in("status", move.sources)}
            ${move.reportedBy === undefined ? sql.literal("") : sql`AND node = ${move.reportedBy}`}
          RETURNING *`,
      firstTask
    )

  /** A move the single statement did not make: the row read in a transaction says why. */
  const moveChecked = (id: string, move: TaskMove.MovePlan) =>
    sql.withTransaction(
      Effect.gen(function* () {
        const current = yield* Effect.flatMap(selectTask(id), (o) =>
          Option.isNone(o) ? Effect.fail(new TaskNotFound({ taskId: id })) : Effect.succeed(o.value)
        )
        switch (TaskMove.outcome(move, current)) {
          case "NotOnNode":
            return yield* new NotOnNode({ taskId: id, node: move.reportedBy ?? "", placedOn: current.node })
          case "IllegalTransition":
            return yield* new IllegalTransition({ taskId: id, from: current.status, to: move.to })
          case "Unchanged":
            return { task: current, changed: false }
          case "Moves": {
            const after = TaskMove.applyTo(move, current)
            yield* sql`UPDATE tasks SET status = ${after.status}, node = ${after.node}, started_at = ${after.startedAt},
                         finished_at = ${after.finishedAt}, exit_code = ${after.exitCode}, error = ${after.error},
                         attempt = ${after.attempt}
                       WHERE task_id = ${id}`
            return { task: new Task({ ...current, ...after }, true), changed: true }
          }
        }
      })
    )

  const transition: StoreShape["transition"] = (id, to, now, patch = {}) => {
    const move = TaskMove.plan(to, now, patch)
    const moved = move.sources.length === 0 ? Effect.succeed(Option.none<Task>()) : moveAtOnce(id, move)
    return Effect.flatMap(moved, (once) =>
      Option.isSome(once) ? Effect.succeed({ task: once.value, changed: true }) : moveChecked(id, move)
    ).pipe(
      Effect.catchTag("SqlError", Effect.die),
      Effect.tap(({ task, changed }) =>
        changed ? Effect.zipRight(track([task]), events.publish([change(task)])) : Effect.void
      ),
      Effect.map(({ task }) => task),
      Effect.withSpan("Store.transition", { attributes: { taskId: id, to } })
    )
  }

  return Store.of({
    upsertNode,
    heartbeat,
    getNode,
    listNodes,
    findNode,
    markNodeOffline,
    submit,
    getTask: (id) => Effect.orDie(selectTask(id)),
    getTasks,
    statusesOf,
    listTasks,
    tasksWithStatus,
    countWithStatus,
    claimsWithStatus,
    activeClaims,
    transition
  })
})

const change = (task: Task): TaskChange => ({
  taskId: task.taskId,
  status: task.status,
  node: task.node,
  task
})

/**
 * The store on the `SqlClient` in context (SQLite or PostgreSQL).
 * @category layers
 */
export const layer: Layer.Layer<Store, never, SqlClient.SqlClient | TaskEvents> = Layer.scoped(Store, make)

/**
 * The store on a SQLite file.
 * @category layers
 */
export const sqlite = (file: string): Layer.Layer<Store, never, TaskEvents> =>
  layer.pipe(Layer.provide(SqliteDatabase.layer(file)))
