/**
 * The environment of a task started as a plain process: the runner's own environment, then the
 * task's variables, then the `HAKURIVER_*` variables every task receives.
 *
 * @since 0.1.0
 */
import type { ExecRequest } from "../Executor.js"

/**
 * Builds the environment of a task. Task variables override the runner's; the `HAKURIVER_*`
 * variables override both.
 * @category constructors
 */
export const taskEnvironment = (
  request: ExecRequest,
  base: Readonly<Record<string, string | undefined>>
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value
  Object.assign(env, request.task.env)
  env["HAKURIVER_TASK_ID"] = request.task.taskId
  env["HAKURIVER_LOCAL_TEMP_DIR"] = request.localTempDir
  env["HAKURIVER_SHARED_DIR"] = request.sharedDir
  env["HAKURIVER_TARGET_NUMA_NODE"] = request.task.numaNode === null ? "" : String(request.task.numaNode)
  return env
}
