/**
 * CPU use from the aggregate `cpu` line of `/proc/stat`: the share of non-idle time between two
 * samples.
 *
 * @since 0.1.0
 */

/**
 * Cumulative CPU times (clock ticks): idle (idle + iowait) and total.
 * @category models
 */
export interface CpuTimes {
  readonly idle: number
  readonly total: number
}

/**
 * Parses the aggregate `cpu` line of `/proc/stat`. Guest times are already counted in user and
 * nice, so they are left out of the total.
 * @category parsing
 */
export const parseProcStat = (text: string): CpuTimes | undefined => {
  const line = text.split("\n").find((l) => /^cpu\s/.test(l))
  if (line === undefined) return undefined
  const fields = line.trim().split(/\s+/).slice(1).map(Number)
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
  return { idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal }
}

/**
 * CPU use in percent between two samples, 0–100; 0 when no time passed.
 * @category parsing
 */
export const cpuPercent = (before: CpuTimes, after: CpuTimes): number => {
  const total = after.total - before.total
  const idle = after.idle - before.idle
  if (total <= 0) return 0
  return Math.min(100, Math.max(0, (100 * (total - idle)) / total))
}
