/**
 * Request and response bodies of the HTTP contract that are not domain types themselves.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  BatchId,
  EnvName,
  GpuInfo,
  NodeName,
  NodeUsage,
  NumaNode,
  TaskId,
  TaskStatus
} from "../domain/index.js"
import { ExecutorKind } from "../domain/Node.js"
import { StatusUpdate, Task } from "../domain/Task.js"
import { TaskSpec } from "../domain/TaskSpec.js"

/** A target of a submission that was refused, and why. @category models */
export class FailedTarget extends Schema.Class<FailedTarget>("FailedTarget")({
  target: Schema.String,
  reason: Schema.String
}) {}

/**
 * Several submissions as ONE batch (a sweep): one batch id for all their tasks. Each spec is
 * checked on its own; refused targets are listed as `[i] target` with the spec's index.
 * @category models
 */
export class BatchSubmitRequest extends Schema.Class<BatchSubmitRequest>("BatchSubmitRequest")({
  tasks: Schema.NonEmptyArray(TaskSpec).pipe(Schema.maxItems(10_000))
}) {}

/**
 * Several status reports in one request (runner → host), applied in order: a runner's outbox
 * sends everything it holds at once instead of one report per request.
 * @category models
 */
export class StatusReports extends Schema.Class<StatusReports>("StatusReports")({
  /**
   * The reporting runner's node. When given, a report for a task placed on another node (or on
   * none) is refused: a stray copy of a task cannot end the task its real node runs.
   */
  node: Schema.optional(NodeName),
  updates: Schema.NonEmptyArray(StatusUpdate).pipe(Schema.maxItems(1_000))
}) {}

/**
 * What the host did with one report of `StatusReports`: taken, or refused for good (the task is
 * unknown, or the move is not allowed) with the reason. A refused report must not be sent again.
 * @category models
 */
export class StatusReportOutcome extends Schema.Class<StatusReportOutcome>("StatusReportOutcome")({
  taskId: TaskId,
  accepted: Schema.Boolean,
  reason: Schema.optional(Schema.String)
}) {}

/** @category models */
export class SubmitResponse extends Schema.Class<SubmitResponse>("SubmitResponse")({
  batchId: BatchId,
  taskIds: Schema.Array(TaskId),
  failedTargets: Schema.Array(FailedTarget)
}) {}

const IntFromString = Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative())

/** The longest a host holds an answer for a change: a long-poll `wait`, a submit that waits. */
export const maxHoldMs = 60_000

/** How long a host holds such an answer when the request does not say. */
export const defaultHoldMs = 30_000

/**
 * Query of `POST /tasks/submit-and-wait`: how long the host holds its answer for the tasks to
 * end (default 30 s, at most 60 s).
 * @category models
 */
export const SubmitAndWaitQuery = Schema.Struct({
  waitMs: Schema.optional(IntFromString.pipe(Schema.lessThanOrEqualTo(maxHoldMs)))
})

/**
 * The answer of a submit that waits: the submission and its tasks as they stand when the host
 * answered — every one final, unless `waitMs` ran out first. In `taskIds` order.
 * @category models
 */
export class SubmitAndWaitResponse extends SubmitResponse.extend<SubmitAndWaitResponse>(
  "SubmitAndWaitResponse"
)({
  tasks: Schema.Array(Task)
}) {}

/** Filters of `GET /tasks`. Statuses are comma separated. @category models */
export const TaskQuery = Schema.Struct({
  status: Schema.optional(Schema.String),
  node: Schema.optional(NodeName),
  batch: Schema.optional(BatchId),
  limit: Schema.optional(IntFromString.pipe(Schema.lessThanOrEqualTo(10_000))),
  offset: Schema.optional(IntFromString)
})

/**
 * Long-poll for status changes: the host answers as soon as a task's status differs from
 * `known`, when all are final, or after `timeoutMs`.
 * @category models
 */
export class WaitRequest extends Schema.Class<WaitRequest>("WaitRequest")({
  taskIds: Schema.NonEmptyArray(TaskId).pipe(Schema.maxItems(10_000)),
  known: Schema.optionalWith(Schema.Record({ key: TaskId, value: TaskStatus }), { default: () => ({}) }),
  timeoutMs: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, maxHoldMs)), {
    default: () => defaultHoldMs
  }),
  /**
   * Answer only the tasks whose status differs from `known` (none at the timeout), instead of
   * all of them: a client following thousands of tasks then moves O(changes) per answer.
   */
  changedOnly: Schema.optional(Schema.Boolean),
  /**
   * Answer only when a task reaches a final status (or at the timeout), not on every change; with
   * `changedOnly`, the answer holds only the tasks that became final. A client that needs only
   * the ends of its tasks then makes one round trip per end instead of one per status change.
   */
  finalOnly: Schema.optional(Schema.Boolean)
}) {}

/** Which log stream. @category models */
export const LogStream = Schema.Literal("stdout", "stderr")
/** @category models */
export type LogStream = typeof LogStream.Type

/**
 * Query of `GET /tasks/:id/logs`: the whole stream, its last `tail` lines, or (to follow) the
 * bytes after `offset`, waiting up to `waitMs` for more while the task runs.
 * @category models
 */
export const LogQuery = Schema.Struct({
  stream: Schema.optionalWith(LogStream, { default: () => "stdout" as const }),
  tail: Schema.optional(IntFromString),
  offset: Schema.optional(IntFromString),
  waitMs: Schema.optional(IntFromString.pipe(Schema.lessThanOrEqualTo(60_000)))
})

/**
 * A piece of a log. `offset` is where the next read starts; `done` says that the task is final
 * and nothing more will come.
 * @category models
 */
export class LogChunk extends Schema.Class<LogChunk>("LogChunk")({
  data: Schema.String,
  offset: Schema.NonNegativeInt,
  done: Schema.Boolean
}) {}

/** What the node has handed out to active tasks. @category models */
export class Allocation extends Schema.Class<Allocation>("Allocation")({
  cores: Schema.Number,
  memoryBytes: Schema.NonNegativeInt,
  gpus: Schema.Array(Schema.NonNegativeInt),
  tasks: Schema.NonNegativeInt
}) {}

/** @category models */
export const NodeStatus = Schema.Literal("online", "offline")

/** A node as `nodes --json` shows it. @category models */
export class NodeView extends Schema.Class<NodeView>("NodeView")({
  name: NodeName,
  status: NodeStatus,
  url: Schema.String,
  cores: Schema.Number,
  memoryBytes: Schema.NonNegativeInt,
  numa: Schema.Array(NumaNode),
  gpus: Schema.Array(GpuInfo),
  executors: Schema.Array(ExecutorKind),
  allocated: Allocation,
  lastHeartbeatAt: Schema.NullOr(Schema.String)
}) {}

/** Health of one node; `usage` is null until the first heartbeat. @category models */
export class NodeHealth extends Schema.Class<NodeHealth>("NodeHealth")({
  name: NodeName,
  status: NodeStatus,
  cores: Schema.Number,
  memoryBytes: Schema.NonNegativeInt,
  usage: Schema.NullOr(NodeUsage),
  allocated: Allocation,
  lastHeartbeatAt: Schema.NullOr(Schema.String)
}) {}

/** Cluster totals. @category models */
export class ClusterHealth extends Schema.Class<ClusterHealth>("ClusterHealth")({
  nodesOnline: Schema.NonNegativeInt,
  nodesTotal: Schema.NonNegativeInt,
  cores: Schema.Number,
  coresAllocated: Schema.Number,
  memoryBytes: Schema.NonNegativeInt,
  memoryAllocatedBytes: Schema.NonNegativeInt,
  avgCpuPercent: Schema.NullOr(Schema.Number),
  avgMemoryPercent: Schema.NullOr(Schema.Number),
  gpus: Schema.NonNegativeInt,
  tasksRunning: Schema.NonNegativeInt,
  tasksPending: Schema.NonNegativeInt
}) {}

/** @category models */
export class HealthReport extends Schema.Class<HealthReport>("HealthReport")({
  aggregate: ClusterHealth,
  nodes: Schema.Array(NodeHealth)
}) {}

/** @category models */
export class RegisterResponse extends Schema.Class<RegisterResponse>("RegisterResponse")({
  heartbeatIntervalS: Schema.Number
}) {}

/** A persistent environment container on the host. @category models */
export class EnvContainer extends Schema.Class<EnvContainer>("EnvContainer")({
  env: EnvName,
  containerId: Schema.String,
  image: Schema.String,
  state: Schema.String
}) {}

/** @category models */
export class CreateContainerRequest extends Schema.Class<CreateContainerRequest>("CreateContainerRequest")({
  image: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256)),
  env: EnvName
}) {}

/** A packaged environment in the shared tarball folder. @category models */
export class TarballInfo extends Schema.Class<TarballInfo>("TarballInfo")({
  env: EnvName,
  timestamp: Schema.NonNegativeInt,
  file: Schema.String,
  sizeBytes: Schema.NonNegativeInt,
  versions: Schema.Array(Schema.NonNegativeInt)
}) {}

/** Progress of a `create-tar`. @category models */
export class TarProgress extends Schema.Class<TarProgress>("TarProgress")({
  env: EnvName,
  phase: Schema.Literal("idle", "committing", "saving", "done", "failed"),
  bytesWritten: Schema.NonNegativeInt,
  error: Schema.NullOr(Schema.String)
}) {}

/** The runner's answer to a run request. @category models */
export class RunAccepted extends Schema.Class<RunAccepted>("RunAccepted")({
  taskId: TaskId,
  executor: ExecutorKind
}) {}

/**
 * The host's word to a runner that it gave up on an attempt of a task (its run request got no
 * answer): the runner runs that attempt only if it has started it already.
 * @category models
 */
export class Withdrawal extends Schema.Class<Withdrawal>("Withdrawal")({
  attempt: Schema.NonNegativeInt
}) {}

/**
 * The runner's answer to a {@link Withdrawal}: `running` (the attempt had started: it runs on, and
 * the host counts it), or `withdrawn` (it had not: a run request of it arriving later is refused).
 * @category models
 */
export class WithdrawOutcome extends Schema.Class<WithdrawOutcome>("WithdrawOutcome")({
  outcome: Schema.Literal("running", "withdrawn")
}) {}

/** Host liveness and version. @category models */
export class Ping extends Schema.Class<Ping>("Ping")({
  service: Schema.Literal("hakuriver-host", "hakuriver-runner"),
  version: Schema.String
}) {}
