/** Formatting of sizes, times and durations for display. */

/** `1.5 GB` style (powers of 1000, as the CLI's memory sizes). */
export const bytes = (n: number | null | undefined): string => {
  if (n === null || n === undefined) return "–"
  const units = ["B", "KB", "MB", "GB", "TB"]
  let value = n
  let i = 0
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000
    i++
  }
  return `${value >= 100 || i === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[i]}`
}

/** A percentage with one decimal, or a dash. */
export const percent = (n: number | null | undefined): string =>
  n === null || n === undefined ? "–" : `${n.toFixed(1)}%`

/** A local date-time from an ISO string, or a dash. */
export const time = (iso: string | null | undefined): string => {
  if (iso === null || iso === undefined) return "–"
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}

/** `1h 2m`, `3m 4s`, `5.2s` between two ISO times (the end defaults to now). */
export const duration = (from: string | null | undefined, to?: string | null): string => {
  if (from === null || from === undefined) return "–"
  const start = new Date(from).getTime()
  const end = to === null || to === undefined ? Date.now() : new Date(to).getTime()
  const ms = Math.max(0, end - start)
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.floor(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
}

/** A relative age such as `12s ago`. */
export const ago = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? "never" : `${duration(iso)} ago`

/** Cores, trimming needless decimals. */
export const cores = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2))
