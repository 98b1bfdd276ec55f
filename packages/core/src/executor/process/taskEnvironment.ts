/**
 * The environment of a task started as a plain process: the runner's own environment, then the
 * task's variables, then the `HAKURIVER_*` variables every task receives. A task given GPUs sees
 * only those through CUDA (`CUDA_VISIBLE_DEVICES` with `CUDA_DEVICE_ORDER=PCI_BUS_ID`, so the ids
 * are `nvidia-smi`'s, the ones the host hands out): not isolation, but a CUDA program no longer
 * lands on another task's GPU by default.
 *
 * @since 0.1.0
 */
import type { ExecRequest } from "../Executor.js"

/** The CUDA variables of a task given GPUs (none for a task without). */
const gpuVisibility = (gpus: ReadonlyArray<number>): Record<string, string> =>
  gpus.length === 0 ? {} : { CUDA_VISIBLE_DEVICES: gpus.join(","), CUDA_DEVICE_ORDER: "PCI_BUS_ID" }

/**
 * Builds the environment of a task. Task variables override the runner's; the `HAKURIVER_*`
 * variables, and the CUDA ones of a task given GPUs, override both.
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
  Object.assign(env, gpuVisibility(request.task.gpus))
  return env
}
