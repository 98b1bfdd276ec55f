/**
 * The JSON shapes the dashboard receives, derived (types only) from the SDK's contract, so the
 * page and the host cannot drift apart. Nothing of the SDK ends up in the bundle.
 */
import type { Schema } from "effect"
// Type-only imports of the contract's sources (the browser build erases them).
import type {
  EnvContainer as EnvContainerSchema,
  HealthReport as HealthReportSchema,
  NodeView as NodeViewSchema,
  SubmitResponse as SubmitResponseSchema,
  TarballInfo as TarballInfoSchema,
  TarProgress as TarProgressSchema
} from "../../core/src/api/models.js"
import type { Task as TaskSchema } from "../../core/src/domain/Task.js"
import type { TaskSpec as TaskSpecSchema } from "../../core/src/domain/TaskSpec.js"

/** A task as `GET /tasks/:id` sends it. */
export type Task = Schema.Schema.Encoded<typeof TaskSchema>
/** A task status. */
export type TaskStatus = Task["status"]
/** A node as `GET /nodes` sends it. */
export type NodeView = Schema.Schema.Encoded<typeof NodeViewSchema>
/** `GET /health`. */
export type HealthReport = Schema.Schema.Encoded<typeof HealthReportSchema>
/** The body of `POST /tasks`. */
export type TaskSpec = Schema.Schema.Encoded<typeof TaskSpecSchema>
/** The answer of `POST /tasks`. */
export type SubmitResponse = Schema.Schema.Encoded<typeof SubmitResponseSchema>
/** A persistent environment container on the host. */
export type EnvContainer = Schema.Schema.Encoded<typeof EnvContainerSchema>
/** A packaged environment. */
export type TarballInfo = Schema.Schema.Encoded<typeof TarballInfoSchema>
/** Progress of a create-tar. */
export type TarProgress = Schema.Schema.Encoded<typeof TarProgressSchema>

/** One point of the cluster's usage history (the `/events` stream's samples). */
export interface Sample {
  readonly at: string
  readonly cpuPercent: number | null
  readonly memoryPercent: number | null
  readonly tasksRunning: number
  readonly tasksPending: number
  readonly nodes: Readonly<Record<string, { readonly cpuPercent: number; readonly memoryPercent: number }>>
}

/** Every status, in life order. */
export const statuses: ReadonlyArray<TaskStatus> = [
  "pending",
  "assigning",
  "running",
  "paused",
  "completed",
  "failed",
  "killed",
  "killed_oom",
  "lost"
]

/** Whether a status is final. */
export const isFinal = (status: TaskStatus): boolean =>
  status === "completed" ||
  status === "failed" ||
  status === "killed" ||
  status === "killed_oom" ||
  status === "lost"
