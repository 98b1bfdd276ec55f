/**
 * Warm-up before a measurement. V8 runs a function on its optimizing tier only once the function
 * has run hot for a while, and a host or runner has thousands of them: over a fresh cluster's
 * first thousand tasks its processes still compile (in a runner 100 tasks after start, a fifth of
 * its CPU went to V8's compiler threads, and its main thread ran mostly unoptimized code). The
 * issue's targets are those of a cluster's long-lived daemons (a "sustained rate"), so the
 * latency and throughput sections measure warm processes, after these tasks, and print what the
 * same processes did cold too (RESULTS.md, change 66).
 */
import type { PromiseClient, SubmitRequest, Task } from "@hakuriver/sdk"
import { pool } from "./floor.js"

/** How the client learns a task's end: it submits and then long-polls with `wait`, or its submit waits. */
export type Way = "one request" | "submit, then wait"

/** One submission, its end learnt `way`: the task ids and the final tasks. */
export const submitThrough = async (
  client: PromiseClient,
  request: SubmitRequest,
  way: Way
): Promise<{ readonly taskIds: ReadonlyArray<string>; readonly tasks: ReadonlyArray<Task> }> => {
  if (way === "one request") return client.submitAndWait(request)
  const { taskIds } = await client.submit(request)
  return { taskIds, tasks: await client.wait(taskIds) }
}

/** What the warm-up's own tasks took: the cluster's cold rate. */
export interface WarmUp {
  readonly tasks: number
  readonly completedPerS: number
}

/**
 * Runs `tasks` trivial tasks through the cluster the ways the samples do (every other one a
 * submit that waits, the others a submit and then a `wait` on it), `concurrency` at a time.
 * `container` is `NULL` for a process task: a Docker section warms the host's and runner's code
 * with process tasks, which take a tenth of the time.
 */
export const warmUp = async (
  client: PromiseClient,
  tasks: number,
  container = "NULL",
  concurrency = 8
): Promise<WarmUp> => {
  const ms = await pool(tasks, concurrency, async (i) => {
    const way = i % 2 === 0 ? "one request" : "submit, then wait"
    const { tasks: done } = await submitThrough(client, { command: ["true"], container }, way)
    const bad = done.find((t) => t.status !== "completed")
    if (bad !== undefined) throw new Error(`a warm-up task ended ${bad.status}: ${bad.error}`)
  })
  return { tasks, completedPerS: Math.round((tasks / ms) * 1000) }
}
