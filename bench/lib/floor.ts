/** The floors: the executors' bare work, measured in the same run with the same options. */
import { spawn } from "node:child_process"
import { performance } from "node:perf_hooks"

/** Spawns `command` and resolves with the milliseconds until it exited. */
export const timedSpawn = (command: ReadonlyArray<string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command[0]!, command.slice(1), { stdio: "ignore" })
    child.once("error", reject)
    child.once("exit", () => resolve(performance.now() - t0))
  })

/** Runs `count` jobs with at most `concurrency` at once; resolves with wall-clock ms. */
export const pool = async (
  count: number,
  concurrency: number,
  job: (i: number) => Promise<unknown>
): Promise<number> => {
  const t0 = performance.now()
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      await job(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return performance.now() - t0
}
