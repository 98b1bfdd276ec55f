/**
 * The configuration the host runs with, as a service, plus the values derived from it (log
 * paths, heartbeat timeout).
 *
 * @since 0.1.0
 */
import type { HakuRiverConfig, TaskId } from "@hakuriver/sdk"
import * as path from "node:path"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"

/**
 * The host's configuration.
 * @category services
 */
export class HostConfig extends Context.Tag("@hakuriver/host/HostConfig")<HostConfig, HakuRiverConfig>() {}

/** @category layers */
export const layer = (config: HakuRiverConfig): Layer.Layer<HostConfig> => Layer.succeed(HostConfig, config)

/**
 * Where a task's stdout and stderr go: `SHARED/task_outputs/TASKID.out|.err`.
 * @category paths
 */
export const logPaths = (config: HakuRiverConfig, taskId: TaskId) => {
  const dir = path.join(config.paths.shared_dir, "task_outputs")
  return { stdout: path.join(dir, `${taskId}.out`), stderr: path.join(dir, `${taskId}.err`) }
}

/**
 * Milliseconds without a heartbeat after which a node is offline (interval × factor).
 * @category timing
 */
export const heartbeatTimeoutMs = (config: HakuRiverConfig): number =>
  config.timing.heartbeat_interval * config.timing.heartbeat_timeout_factor * 1000

/**
 * The current time as epoch milliseconds and ISO 8601 UTC.
 * @category timing
 */
export const isoOf = (ms: number): string => new Date(ms).toISOString()
