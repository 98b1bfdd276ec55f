/** The floors: the executors' bare work, measured in the same run with the same options. */
import { spawn } from "node:child_process"
import { closeSync, mkdirSync, openSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"

let spawned = 0

/**
 * Spawns `command` as the process executor does, with the same options, and resolves with the
 * milliseconds until it exited: its stdout and stderr appended to two new files in `dir`
 * (`task_outputs`, as a task's logs), `dir` as the working directory, the task's `HAKURIVER_*`
 * variables, and a process group of its own. No helper process, no pid file, no report.
 */
export const timedSpawn = (command: ReadonlyArray<string>, dir: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const id = `floor-${process.pid}-${spawned++}`
    const logs = join(dir, "task_outputs")
    mkdirSync(logs, { recursive: true })
    const out = openSync(join(logs, `${id}.out`), "a")
    const err = openSync(join(logs, `${id}.err`), "a")
    try {
      const child = spawn(command[0]!, command.slice(1), {
        cwd: dir,
        env: { ...process.env, HAKURIVER_TASK_ID: id, HAKURIVER_SHARED_DIR: dir },
        detached: true,
        stdio: ["ignore", out, err]
      })
      child.once("error", reject)
      child.once("exit", () => resolve(performance.now() - t0))
    } finally {
      closeSync(out)
      closeSync(err)
    }
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
