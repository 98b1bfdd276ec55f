/** Store-level test data: a task draft with the defaults the tests share, its log paths, a node and its usage. */
import { NodeInfo, NodeName, NodeUsage, type TaskId } from "@hakuriver/sdk"
import type * as Store from "../../src/Store.js"

/** `true`, one core, no container. */
export const draft: Store.TaskDraft = {
  command: ["true"],
  env: {},
  cores: 1,
  memoryBytes: null,
  gpus: [],
  numaNode: null,
  target: null,
  container: "NULL",
  privileged: false,
  mounts: []
}

/** Log paths under `dir` (default `/s`). */
export const logsOf =
  (dir = "/s") =>
  (id: TaskId) => ({ stdout: `${dir}/${id}.out`, stderr: `${dir}/${id}.err` })

/** A node with `cores` cores, 1 GB, no NUMA or GPUs, the process executor. */
export const nodeInfo = (name: string, cores = 2) =>
  new NodeInfo({
    name: NodeName.make(name),
    url: "http://127.0.0.1:1",
    cores,
    memoryBytes: 1_000_000_000,
    numa: [],
    gpus: [],
    executors: ["process"]
  })

/** A heartbeat's usage, at `cpuPercent`. */
export const usageAt = (cpuPercent: number) =>
  new NodeUsage({ cpuPercent, memoryUsedBytes: 1, memoryPercent: 1, temperatures: [], gpus: [] })
