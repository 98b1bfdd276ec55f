/** Percentiles and summaries of latency samples (milliseconds). */

export interface Summary {
  readonly n: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly mean: number
}

/** The q-quantile (0..1) of samples, nearest-rank. */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  const sorted = [...samples].sort((a, b) => a - b)
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    mean
  }
}

/** A figure to one decimal, as the sections print most of theirs. */
export const round1 = (x: number): number => Math.round(x * 10) / 10

/** A figure to two decimals. */
export const round2 = (x: number): number => Math.round(x * 100) / 100
const r = round2

/** The arithmetic mean. */
export const mean = (xs: ReadonlyArray<number>): number => xs.reduce((s, x) => s + x, 0) / xs.length

/** `ours − floor` per percentile. */
export const overhead = (ours: Summary, floor: Summary) => ({
  p50: r(ours.p50 - floor.p50),
  p95: r(ours.p95 - floor.p95),
  p99: r(ours.p99 - floor.p99)
})

export const fmt = (s: Summary): string =>
  `p50 ${r(s.p50)} ms  p95 ${r(s.p95)} ms  p99 ${r(s.p99)} ms  (n=${s.n})`
