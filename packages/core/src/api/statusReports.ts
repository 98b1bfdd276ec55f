/**
 * The host's side of `POST /tasks/status`: the reports of a batch are applied in order, and each
 * one is answered on its own — a report that fails is refused with its reason, the others still
 * apply.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { StatusUpdate } from "../domain/Task.js"
import { StatusReportOutcome } from "./models.js"

/**
 * Applies `updates` in order with `apply` (given each report and its index in the batch),
 * answering an outcome per report.
 * @category handlers
 */
export const applyReports = <E extends { readonly message: string }, R>(
  updates: ReadonlyArray<StatusUpdate>,
  apply: (update: StatusUpdate, index: number) => Effect.Effect<unknown, E, R>
): Effect.Effect<Array<StatusReportOutcome>, never, R> =>
  Effect.forEach(updates, (update, index) =>
    apply(update, index).pipe(
      Effect.as(new StatusReportOutcome({ taskId: update.taskId, accepted: true })),
      Effect.catchAll((e) =>
        Effect.succeed(new StatusReportOutcome({ taskId: update.taskId, accepted: false, reason: e.message }))
      )
    )
  )
