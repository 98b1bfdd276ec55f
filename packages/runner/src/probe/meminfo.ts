/**
 * `/proc/meminfo` and the per-NUMA-node `/sys/devices/system/node/nodeN/meminfo`
 * (`Node 0 MemTotal:  32768000 kB`).
 *
 * @since 0.1.0
 */

/**
 * Parses a meminfo text into bytes by key (`MemTotal`, `MemAvailable`, …). Values in `kB` are
 * KiB as the kernel means them (× 1024); unit-less values (`HugePages_Total`) stay as they are.
 * @category parsing
 */
export const parseMeminfo = (text: string): ReadonlyMap<string, number> => {
  const out = new Map<string, number>()
  for (const line of text.split("\n")) {
    const m = /^(?:Node\s+\d+\s+)?([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line.trim())
    if (m === null) continue
    const value = Number(m[2])
    out.set(m[1]!, m[3] === "kB" ? value * 1024 : value)
  }
  return out
}

/**
 * Used memory from `/proc/meminfo`: `MemTotal - MemAvailable` (falling back to free + buffers +
 * cache on old kernels). `undefined` when the text lacks `MemTotal`.
 * @category parsing
 */
export const memoryUsage = (
  info: ReadonlyMap<string, number>
): { readonly totalBytes: number; readonly usedBytes: number } | undefined => {
  const total = info.get("MemTotal")
  if (total === undefined) return undefined
  const available =
    info.get("MemAvailable") ??
    (info.get("MemFree") ?? 0) + (info.get("Buffers") ?? 0) + (info.get("Cached") ?? 0)
  return { totalBytes: total, usedBytes: Math.max(0, total - available) }
}
