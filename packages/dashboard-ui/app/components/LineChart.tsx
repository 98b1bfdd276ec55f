/** A small SVG line chart (0–100 %) of several series over time; no chart library needed. */

/** One line of the chart. */
export interface Series {
  readonly name: string
  readonly color: string
  /** `[time ms, value]` points; `null` values leave a gap. */
  readonly points: ReadonlyArray<readonly [number, number | null]>
}

const width = 600
const height = 160
const pad = { left: 34, right: 8, top: 8, bottom: 20 }

/** A 0–100 line chart of `series` over the last `windowMs` milliseconds. */
export const LineChart = (props: {
  readonly title: string
  readonly series: ReadonlyArray<Series>
  readonly windowMs: number
  readonly now: number
}) => {
  const x0 = props.now - props.windowMs
  const x = (t: number) => pad.left + ((t - x0) / props.windowMs) * (width - pad.left - pad.right)
  const y = (v: number) =>
    pad.top + (1 - Math.min(100, Math.max(0, v)) / 100) * (height - pad.top - pad.bottom)
  const path = (points: Series["points"]) => {
    let d = ""
    let pen = false
    for (const [t, v] of points) {
      if (t < x0 || v === null) {
        pen = false
        continue
      }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`
      pen = true
    }
    return d
  }
  const span =
    props.windowMs >= 120_000
      ? `${Math.round(props.windowMs / 60_000)} min`
      : `${Math.round(props.windowMs / 1000)} s`
  return (
    <figure class="chart">
      <figcaption>
        <strong>{props.title}</strong>
        <span class="legend">
          {props.series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} />
              {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title}>
        {[0, 25, 50, 75, 100].map((v) => (
          <g key={v}>
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} class="grid" />
            <text x={pad.left - 4} y={y(v) + 3} class="axis" text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        <text x={pad.left} y={height - 4} class="axis">
          −{span}
        </text>
        <text x={width - pad.right} y={height - 4} class="axis" text-anchor="end">
          now
        </text>
        {props.series.map((s) => (
          <path key={s.name} d={path(s.points)} stroke={s.color} class="line" />
        ))}
      </svg>
    </figure>
  )
}
