/** Coloured badges for task and node statuses, and a usage bar. */
import type { TaskStatus } from "../types.js"

/** A task status badge. */
export const StatusBadge = (props: { readonly status: TaskStatus }) => (
  <span class={`badge status-${props.status}`} data-status={props.status}>
    {props.status}
  </span>
)

/** A node status badge. */
export const NodeBadge = (props: { readonly status: "online" | "offline" }) => (
  <span class={`badge node-${props.status}`}>{props.status}</span>
)

/** A horizontal bar showing `used` of `total`. */
export const Meter = (props: { readonly used: number; readonly total: number; readonly label: string }) => {
  const pct = props.total > 0 ? Math.min(100, (props.used / props.total) * 100) : 0
  return (
    <div class="meter" title={props.label}>
      <div class={`fill ${pct > 85 ? "hot" : pct > 60 ? "warm" : ""}`} style={{ width: `${pct}%` }} />
      <span>{props.label}</span>
    </div>
  )
}
