/**
 * What a status move writes, worked out before the task's row is read: the statuses it may
 * start from and each column's new value, either given or kept from the row. The store applies
 * one plan in two ways, with the same result: as a single guarded `UPDATE … RETURNING` (the
 * common case: no transaction, no read first) and, when that matches no row, to the row it
 * reads inside a transaction, where it tells which error the move gets.
 *
 * @since 0.1.0
 */
import {
  allStatuses,
  canTransition,
  isFinal,
  type NodeName,
  type Task,
  type TaskStatus
} from "@hakuriver/sdk"

/** A column's new value, or the row's own. */
export type Column<A> = { readonly keep: true } | { readonly keep: false; readonly value: A }

const keep = { keep: true } as const
const set = <A>(value: A): Column<A> => ({ keep: false, value })

/**
 * Fields a move may set besides the status. `from` limits the statuses it starts from;
 * `reportedBy` only lets it through for a task placed on that node (a runner's report).
 * @category models
 */
export interface TransitionPatch {
  /** Only move when the current status is one of these (else `IllegalTransition`). */
  readonly from?: ReadonlyArray<TaskStatus>
  /** Only move when the task is placed on this node (else `NotOnNode`): a runner's report. */
  readonly reportedBy?: string
  readonly node?: NodeName | null
  readonly exitCode?: number | null
  readonly error?: string | null
  readonly startedAt?: string
  readonly finishedAt?: string
}

/**
 * A move to `to`, before the row is known.
 * @category models
 */
export interface MovePlan {
  readonly to: TaskStatus
  /** The statuses it moves from (never `to`: moving to the status a task has changes nothing). */
  readonly sources: ReadonlyArray<TaskStatus>
  /** The patch's `from`: a task in another status is refused even when it has `to` already. */
  readonly onlyFrom: ReadonlyArray<TaskStatus> | undefined
  readonly reportedBy: string | undefined
  readonly node: Column<NodeName | null>
  /** The start time, when the row has none yet, for a task leaving `assigning`. */
  readonly startedFromAssigning: string | null
  /** The start time, when the row has none yet, for a task leaving any other status. */
  readonly startedOtherwise: string | null
  readonly finishedAt: string | null
  readonly exitCode: Column<number | null>
  readonly error: Column<string | null>
  /** Added to the row's attempt: 1 for a placement (a move to `assigning`), else 0. */
  readonly attemptAdds: 0 | 1
}

/**
 * Whether a task still `assigning` may reach `to` only by passing through `running` (a runner
 * reporting the end of a task whose start the host has not noted yet).
 */
const viaRunning = (to: TaskStatus): boolean =>
  !canTransition("assigning", to) && canTransition("running", to)

/**
 * The statuses a task may move to `to` from: the transition table, plus `assigning` when the move
 * passes through `running`.
 */
const sourcesOf = (to: TaskStatus): ReadonlyArray<TaskStatus> =>
  allStatuses.filter(
    (from) => from !== to && (canTransition(from, to) || (from === "assigning" && viaRunning(to)))
  )

/**
 * The plan of a move to `to` at `now`.
 * @category constructors
 */
export const plan = (to: TaskStatus, now: string, patch: TransitionPatch = {}): MovePlan => {
  const allowed = sourcesOf(to)
  const given = patch.startedAt
  return {
    to,
    sources: patch.from === undefined ? allowed : allowed.filter((s) => patch.from?.includes(s)),
    onlyFrom: patch.from,
    reportedBy: patch.reportedBy,
    node: to === "pending" ? set(null) : patch.node === undefined ? keep : set(patch.node),
    startedFromAssigning: given ?? (to === "running" || viaRunning(to) ? now : null),
    startedOtherwise: given ?? (to === "running" ? now : null),
    finishedAt: isFinal(to) ? (patch.finishedAt ?? now) : null,
    exitCode: patch.exitCode === undefined ? keep : set(patch.exitCode),
    error: patch.error === undefined ? keep : set(patch.error),
    attemptAdds: to === "assigning" ? 1 : 0
  }
}

/**
 * What the move does to `current`: refused as another node's task (`NotOnNode`) or for its
 * status (`IllegalTransition`), nothing (it has that status already), or the move.
 * @category guards
 */
export const outcome = (
  move: MovePlan,
  current: Task
): "NotOnNode" | "IllegalTransition" | "Unchanged" | "Moves" => {
  if (move.reportedBy !== undefined && current.node !== move.reportedBy) return "NotOnNode"
  if (move.onlyFrom !== undefined && !move.onlyFrom.includes(current.status)) return "IllegalTransition"
  if (current.status === move.to) return "Unchanged"
  return move.sources.includes(current.status) ? "Moves" : "IllegalTransition"
}

const columnOf = <A>(column: Column<A>, own: A): A => (column.keep ? own : column.value)

/**
 * The fields of `current` after the move (one whose `outcome` is `Moves`).
 * @category combinators
 */
export const applyTo = (move: MovePlan, current: Task) => ({
  status: move.to,
  node: columnOf(move.node, current.node),
  startedAt:
    current.startedAt ?? (current.status === "assigning" ? move.startedFromAssigning : move.startedOtherwise),
  finishedAt: move.finishedAt,
  exitCode: columnOf(move.exitCode, current.exitCode),
  error: columnOf(move.error, current.error),
  attempt: current.attempt + move.attemptAdds
})
