/**
 * Waiting for tasks with a live status line on stderr (only when stderr is a terminal): the
 * task's status for one task, a progress bar `n done of m` for a batch.
 *
 * @since 0.1.0
 */
import { type HakuRiverClient, isFinal, type Task } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"

const elapsed = (ms: number): string => {
  const s = Math.floor(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}

/**
 * The status line for the tasks as last seen.
 * @category formatting
 * @example
 * progressLine(tasks, 12_000) // "[#######.......]  1/2 done · 1 running · 0:12"
 */
export const progressLine = (tasks: ReadonlyArray<Task>, elapsedMs: number, total: number): string => {
  const only = tasks.length === 1 ? tasks[0] : undefined
  if (only !== undefined && total === 1) {
    return `task ${only.taskId}: ${only.status}${only.node === null ? "" : ` on ${only.node}`} · ${elapsed(elapsedMs)}`
  }
  const done = tasks.filter((t) => isFinal(t.status)).length
  const counts = new Map<string, number>()
  for (const t of tasks) if (!isFinal(t.status)) counts.set(t.status, (counts.get(t.status) ?? 0) + 1)
  const width = 20
  const filled = total === 0 ? width : Math.round((done / total) * width)
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`
  const states = [...counts].map(([s, n]) => `${n} ${s}`)
  return [`${bar} ${done}/${total} done`, ...states, elapsed(elapsedMs)].join(" · ")
}

/**
 * Waits for the tasks; draws the live line on stderr when `live` (redrawn every second and on
 * every status change, erased at the end).
 * @category waiting
 */
export const waitWithProgress = (
  client: HakuRiverClient.Service,
  ids: ReadonlyArray<string>,
  options: { readonly pollInterval: number; readonly live: boolean }
) =>
  Effect.gen(function* () {
    if (!options.live) return yield* client.wait(ids, { pollInterval: options.pollInterval })
    const started = Date.now()
    const seen = yield* Ref.make<ReadonlyArray<Task>>([])
    const draw = Effect.flatMap(Ref.get(seen), (tasks) =>
      Effect.sync(() => {
        const line = progressLine(tasks, Date.now() - started, ids.length)
        const columns = process.stderr.columns || 100
        process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(columns - 1, 10))}`)
      })
    )
    const ticker = yield* Effect.fork(Effect.repeat(draw, Schedule.spaced("1 second")))
    return yield* client
      .wait(ids, {
        pollInterval: options.pollInterval,
        onUpdate: (tasks) => Effect.zipRight(Ref.set(seen, tasks), draw)
      })
      .pipe(
        Effect.ensuring(
          Effect.zipRight(
            Fiber.interrupt(ticker),
            Effect.sync(() => process.stderr.write("\r\x1b[2K"))
          )
        )
      )
  })
