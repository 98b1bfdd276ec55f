/**
 * The command lines of the systemd executor, as pure functions: the `systemd-run --scope`
 * argument array of a task, its unit name, its CPU quota, and the `systemctl` calls that control
 * it. Nothing here touches the machine, so all of it is unit-tested.
 *
 * @since 0.1.0
 */
import type { TaskId } from "../../domain/index.js"
import type { ExecRequest } from "../Executor.js"

/**
 * How commands reach systemd: directly as root, or through `sudo -n` (never prompting).
 * @category models
 */
export interface Privilege {
  readonly sudo: boolean
}

/**
 * What the argument builder needs besides the request.
 * @category models
 */
export interface RunArgsOptions extends Privilege {
  /** `numactl` to wrap a NUMA-targeted command in: a path, or a name looked up on PATH. */
  readonly numactl: string
  /** How long `systemctl stop` waits after SIGTERM before SIGKILL, in seconds. */
  readonly stopTimeoutSeconds: number
}

/** The prefix of every task unit. */
export const unitPrefix = "hakuriver-task-"

/**
 * The scope unit of a task: `hakuriver-task-ID.scope`.
 * @category constructors
 */
export const unitName = (taskId: TaskId | string): string => `${unitPrefix}${taskId}.scope`

/**
 * The task id of a task unit name, or `undefined` for any other unit.
 * @category parsing
 */
export const taskIdOfUnit = (unit: string): string | undefined => {
  const m = /^hakuriver-task-([0-9]{1,20})\.scope$/.exec(unit)
  return m?.[1]
}

/**
 * `CPUQuota` for a number of cores: 100% per core, fractions in hundredths (`0.5` → `50%`).
 * @category constructors
 */
export const cpuQuota = (cores: number): string => `${Math.max(1, Math.round(cores * 100))}%`

/**
 * The variables a task sees: its own, then the `HAKURIVER_*` ones (which win). Sorted by name so
 * the command line is stable.
 * @category constructors
 */
export const taskVariables = (request: ExecRequest): ReadonlyArray<readonly [string, string]> => {
  const vars = new Map<string, string>(Object.entries(request.task.env))
  vars.set("HAKURIVER_TASK_ID", request.task.taskId)
  vars.set("HAKURIVER_LOCAL_TEMP_DIR", request.localTempDir)
  vars.set("HAKURIVER_SHARED_DIR", request.sharedDir)
  vars.set("HAKURIVER_TARGET_NUMA_NODE", request.task.numaNode === null ? "" : String(request.task.numaNode))
  return [...vars.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Prefixes `sudo -n` when needed. */
export const privileged = (privilege: Privilege, argv: ReadonlyArray<string>): ReadonlyArray<string> =>
  privilege.sudo ? ["sudo", "-n", ...argv] : argv

/**
 * The full argument array that starts a task in its own scope:
 * `[sudo -n] systemd-run --quiet --scope --unit hakuriver-task-ID -p CPUQuota=…
 * [-p MemoryMax=… -p MemorySwapMax=0] --setenv K=V… -- [numactl --cpunodebind=N --membind=N] command…`.
 *
 * The scope is not `--collect`ed: a scope ends `success` when its processes exit, and is then
 * unloaded anyway; only a failed one (`Result=oom-kill`) stays, so the executor can read why it
 * failed and then `reset-failed` it.
 * @category constructors
 */
export const runArgs = (request: ExecRequest, options: RunArgsOptions): ReadonlyArray<string> => {
  const { task } = request
  const props: Array<string> = [`CPUQuota=${cpuQuota(task.cores)}`]
  if (task.memoryBytes !== null) props.push(`MemoryMax=${task.memoryBytes}`, "MemorySwapMax=0")
  props.push(`TimeoutStopSec=${options.stopTimeoutSeconds}`)
  const numa = task.numaNode
  const wrap = numa === null ? [] : [options.numactl, `--cpunodebind=${numa}`, `--membind=${numa}`]
  return privileged(options, [
    "systemd-run",
    "--quiet",
    "--scope",
    "--unit",
    unitName(task.taskId),
    ...props.flatMap((p) => ["-p", p]),
    ...taskVariables(request).flatMap(([k, v]) => ["--setenv", `${k}=${v}`]),
    "--",
    ...wrap,
    ...task.command
  ])
}

/**
 * `systemctl show` of chosen properties of a unit, as `KEY=VALUE` lines.
 * @category constructors
 */
export const showArgs = (
  privilege: Privilege,
  unit: string,
  properties: ReadonlyArray<string>
): ReadonlyArray<string> =>
  privileged(privilege, ["systemctl", "show", unit, ...properties.flatMap((p) => ["-p", p])])

/**
 * `systemctl kill --signal=SIG` on every process of a unit.
 * @category constructors
 */
export const signalArgs = (privilege: Privilege, unit: string, signal: string): ReadonlyArray<string> =>
  privileged(privilege, ["systemctl", "kill", `--signal=${signal}`, unit])

/**
 * `systemctl stop` of a unit (SIGTERM, then SIGKILL after the unit's stop timeout).
 * @category constructors
 */
export const stopArgs = (privilege: Privilege, unit: string): ReadonlyArray<string> =>
  privileged(privilege, ["systemctl", "stop", unit])

/**
 * `systemctl reset-failed` of a unit, which unloads a failed scope.
 * @category constructors
 */
export const resetFailedArgs = (privilege: Privilege, unit: string): ReadonlyArray<string> =>
  privileged(privilege, ["systemctl", "reset-failed", unit])

/**
 * `systemctl list-units` of every task scope, loaded in any state, one per line.
 * @category constructors
 */
export const listArgs = (privilege: Privilege): ReadonlyArray<string> =>
  privileged(privilege, [
    "systemctl",
    "list-units",
    "--all",
    "--type=scope",
    "--no-legend",
    "--no-pager",
    "--plain",
    `${unitPrefix}*.scope`
  ])
