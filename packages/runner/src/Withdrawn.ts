/**
 * The attempts of tasks the host has withdrawn from this runner: it gave up on their run requests
 * (no answer came) and queued the tasks again, so a run request of such an attempt that arrives
 * late, or that is still being prepared here, must not start it beside the task's next attempt.
 * Attempts only grow, so the highest withdrawn one of a task covers the earlier ones. Kept in
 * memory: a restarted runner no longer holds any request of the process before it.
 *
 * @since 0.1.0
 */
import type { TaskId } from "@hakuriver/sdk"

/**
 * The record of withdrawn attempts.
 * @category models
 */
export interface Withdrawn {
  readonly add: (id: TaskId, attempt: number) => void
  /** Whether `attempt` of the task was withdrawn (or a later one was). */
  readonly covers: (id: TaskId, attempt: number) => boolean
}

/**
 * A record of at most `limit` tasks (the oldest forgotten first): a withdrawal matters only for
 * the moments while a late request may still arrive.
 * @category constructors
 */
export const make = (limit = 10_000): Withdrawn => {
  const highest = new Map<TaskId, number>()
  return {
    add: (id, attempt) => {
      const before = highest.get(id)
      highest.delete(id)
      highest.set(id, Math.max(attempt, before ?? attempt))
      if (highest.size > limit) highest.delete(highest.keys().next().value as TaskId)
    },
    covers: (id, attempt) => {
      const withdrawn = highest.get(id)
      return withdrawn !== undefined && attempt <= withdrawn
    }
  }
}
