/** Which of two views of one task is the later one (a fetch may answer after a newer event). */
import type { Task } from "./types.js"

const stage: Record<string, number> = { pending: 0, assigning: 1, running: 2, paused: 2 }

/**
 * The later of two views of one task. A fetch answered after an event of the stream may carry an
 * older status (it was read before the change): a view never moves a task back in its life.
 */
export const later = (a: Task, b: Task | undefined): Task =>
  b === undefined || (stage[a.status] ?? 3) >= (stage[b.status] ?? 3) ? a : b
