/**
 * The kernel's CPU list format (`/sys/devices/system/node/node0/cpulist`): `0-3,8-11`.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"

/**
 * Parses a CPU list into sorted, distinct CPU numbers. An empty list (a memory-only NUMA node)
 * is `[]`.
 * @category parsing
 */
export const parseCpuList = (text: string): Either.Either<ReadonlyArray<number>, string> => {
  const trimmed = text.trim()
  if (trimmed === "") return Either.right([])
  const cpus = new Set<number>()
  for (const part of trimmed.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (m === null) return Either.left(`invalid CPU list element "${part}"`)
    const from = Number(m[1])
    const to = m[2] === undefined ? from : Number(m[2])
    if (to < from) return Either.left(`invalid CPU range "${part}"`)
    if (to - from > 65_536) return Either.left(`CPU range "${part}" is too large`)
    for (let cpu = from; cpu <= to; cpu++) cpus.add(cpu)
  }
  return Either.right([...cpus].sort((a, b) => a - b))
}

/**
 * Formats CPU numbers as a CPU list with ranges (`[0,1,2,3,8]` → `0-3,8`), the form Docker's
 * `CpusetCpus` takes.
 * @category formatting
 */
export const formatCpuList = (cpus: ReadonlyArray<number>): string => {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b)
  const parts: Array<string> = []
  let i = 0
  while (i < sorted.length) {
    const start = sorted[i]!
    let end = start
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) end = sorted[++i]!
    parts.push(start === end ? String(start) : `${start}-${end}`)
    i++
  }
  return parts.join(",")
}
