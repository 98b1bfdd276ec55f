/**
 * NUMA topology from sysfs: `ROOT/nodeN/cpulist` and `ROOT/nodeN/meminfo` for every `nodeN`
 * folder (`numactl` is not needed). A machine without the folder (not Linux) reports no NUMA
 * nodes, so the host refuses NUMA targets for it.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { NumaNode } from "@hakuriver/sdk"
import * as Either from "effect/Either"
import { parseCpuList } from "./cpuList.js"
import { parseMeminfo } from "./meminfo.js"

/** Where Linux describes NUMA nodes. */
export const defaultNodeRoot = "/sys/devices/system/node"

const readText = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

/**
 * Reads the NUMA nodes under `root`, sorted by id.
 * @category probing
 */
export const readNumaTopology = (root: string = defaultNodeRoot): ReadonlyArray<NumaNode> => {
  let entries: ReadonlyArray<string>
  try {
    entries = fs.readdirSync(root)
  } catch {
    return []
  }
  const nodes: Array<NumaNode> = []
  for (const entry of entries) {
    const m = /^node(\d+)$/.exec(entry)
    if (m === null) continue
    const dir = path.join(root, entry)
    const cpus = Either.getOrElse(parseCpuList(readText(path.join(dir, "cpulist")) ?? ""), () => [])
    const memory = parseMeminfo(readText(path.join(dir, "meminfo")) ?? "").get("MemTotal") ?? 0
    nodes.push(new NumaNode({ id: Number(m[1]), cpus: [...cpus], memoryBytes: memory }))
  }
  return nodes.sort((a, b) => a.id - b.id)
}
