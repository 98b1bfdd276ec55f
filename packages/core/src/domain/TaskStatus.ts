/**
 * Task statuses and the one transition table every component obeys (the host's store refuses
 * any other move).
 *
 * `pending` → `assigning` → `running` ⇄ `paused`; `running|paused` → `completed` | `failed` |
 * `killed` | `killed_oom` | `lost`; `pending|assigning` → `killed` (cancelled) | `failed`.
 * Final states never change.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @category models */
export const TaskStatus = Schema.Literal(
  "pending",
  "assigning",
  "running",
  "paused",
  "completed",
  "failed",
  "killed",
  "killed_oom",
  "lost"
)
/** @category models */
export type TaskStatus = typeof TaskStatus.Type

/** All statuses, in life order. */
export const allStatuses: ReadonlyArray<TaskStatus> = TaskStatus.literals

/** Statuses a task never leaves. */
export const finalStatuses: ReadonlyArray<TaskStatus> = [
  "completed",
  "failed",
  "killed",
  "killed_oom",
  "lost"
]

/** Statuses that hold resources on a node. */
export const activeStatuses: ReadonlyArray<TaskStatus> = ["assigning", "running", "paused"]

const ends: ReadonlyArray<TaskStatus> = ["completed", "failed", "killed", "killed_oom", "lost"]

/** The transition table: status → the statuses it may move to. */
export const transitions: Readonly<Record<TaskStatus, ReadonlyArray<TaskStatus>>> = {
  pending: ["assigning", "killed", "failed"],
  // assigning → pending: the runner refused or could not be reached; the task is queued again.
  assigning: ["running", "pending", "killed", "failed", "lost"],
  running: ["paused", ...ends],
  paused: ["running", ...ends],
  completed: [],
  failed: [],
  killed: [],
  killed_oom: [],
  lost: []
}

/** Whether a status is final. */
export const isFinal = (s: TaskStatus): boolean => finalStatuses.includes(s)

/** Whether `from → to` is allowed by the table. */
export const canTransition = (from: TaskStatus, to: TaskStatus): boolean => transitions[from].includes(to)
