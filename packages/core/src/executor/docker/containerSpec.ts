/**
 * The Docker create options of a task's container, built from the request alone (a pure
 * function): image, labels, limits, cpuset, GPUs, mounts, environment, network.
 *
 * @since 0.1.0
 */
import type Docker from "dockerode"
import { type EnvName, imageTag } from "../../domain/index.js"
import type { ExecRequest } from "../Executor.js"

/**
 * Labels every task container carries; `survivors` finds containers by them.
 * @category constants
 */
export const labels = {
  taskId: "hakuriver.task_id",
  managed: "hakuriver.managed",
  node: "hakuriver.node",
  env: "hakuriver.env"
} as const

/** Where the shared dir and the node-local temp dir appear inside a task container. */
export const containerPaths = { shared: "/shared", localTemp: "/local_temp" } as const

/**
 * The Docker settings of this node that shape every task container.
 * @category models
 */
export interface ContainerSettings {
  /** `[docker] network`: `host` (default), `bridge`, `none` or a network name. */
  readonly network: string
  /** `[docker] additional_mounts`: `HOST:CONTAINER[:ro]`, used when a task names no mounts. */
  readonly additionalMounts: ReadonlyArray<string>
  /** The runner's node name, stored as a label so runners sharing an engine find only theirs. */
  readonly node?: string | undefined
}

/** The name of a task's container: `hakuriver-task-ID`. */
export const containerName = (taskId: string): string => `hakuriver-task-${taskId}`

/** Docker's NanoCpus for a number of cores (1 core = 1e9). */
export const nanoCpus = (cores: number): number => Math.round(cores * 1e9)

/**
 * The environment of a task container: the task's variables, then the `HAKURIVER_*` ones.
 * @category constructors
 */
export const containerEnv = (request: ExecRequest): Array<string> => {
  const { task } = request
  const env: Record<string, string> = { ...task.env }
  env["HAKURIVER_TASK_ID"] = task.taskId
  env["HAKURIVER_LOCAL_TEMP_DIR"] = containerPaths.localTemp
  env["HAKURIVER_SHARED_DIR"] = containerPaths.shared
  env["HAKURIVER_TARGET_NUMA_NODE"] = task.numaNode === null ? "" : String(task.numaNode)
  return Object.entries(env).map(([key, value]) => `${key}=${value}`)
}

/**
 * The bind mounts: the shared dir at `/shared`, the local temp dir at `/local_temp`, then the
 * task's mounts, or the configured `additional_mounts` when the task names none (a task's
 * `--mount` overrides the defaults).
 * @category constructors
 */
export const containerBinds = (request: ExecRequest, settings: ContainerSettings): Array<string> => [
  `${request.sharedDir}:${containerPaths.shared}`,
  `${request.localTempDir}:${containerPaths.localTemp}`,
  ...(request.task.mounts.length > 0 ? request.task.mounts : settings.additionalMounts)
]

/**
 * The create options of a task's container from image `hakuriver/ENV:base`.
 * @category constructors
 */
export const containerSpec = (
  request: ExecRequest,
  env: EnvName,
  settings: ContainerSettings
): Docker.ContainerCreateOptions => {
  const { task } = request
  const memory = task.memoryBytes ?? undefined
  return {
    name: containerName(task.taskId),
    Image: imageTag(env),
    Cmd: [...task.command],
    WorkingDir: containerPaths.shared,
    Env: containerEnv(request),
    Labels: {
      [labels.taskId]: task.taskId,
      [labels.managed]: "true",
      [labels.env]: env,
      ...(settings.node === undefined ? {} : { [labels.node]: settings.node })
    },
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      NetworkMode: settings.network,
      Binds: containerBinds(request, settings),
      Privileged: task.privileged,
      NanoCpus: nanoCpus(task.cores),
      ...(memory === undefined ? {} : { Memory: memory, MemorySwap: memory }),
      ...(request.cpuset === undefined
        ? {}
        : { CpusetCpus: request.cpuset.cpus.join(","), CpusetMems: request.cpuset.mems.join(",") }),
      ...(task.gpus.length === 0
        ? {}
        : {
            DeviceRequests: [{ Driver: "nvidia", DeviceIDs: task.gpus.map(String), Capabilities: [["gpu"]] }]
          }),
      LogConfig: { Type: "json-file", Config: {} },
      AutoRemove: false
    }
  }
}
