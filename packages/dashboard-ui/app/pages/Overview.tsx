/** Overview: cluster totals, nodes at a glance, usage charts of the last minutes, recent tasks. */
import { useEffect, useState } from "preact/hooks"
import { type Series, LineChart } from "../components/LineChart.js"
import { Meter, NodeBadge } from "../components/Status.js"
import { bytes, cores, percent } from "../format.js"
import { health, history, nodes } from "../live.js"
import { href } from "../router.js"
import { useStore } from "../store.js"
import type { Sample } from "../types.js"
import { TaskTable } from "../components/TaskTable.js"
import { useTasks } from "../useTasks.js"

const palette = ["#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"]
/** The charts span the history the host holds: at least a minute, at most ten. */
const windowOf = (samples: ReadonlyArray<Sample>, now: number): number => {
  const oldest = samples[0] === undefined ? now : new Date(samples[0].at).getTime()
  return Math.min(10 * 60_000, Math.max(60_000, now - oldest))
}

const seriesOf = (
  samples: ReadonlyArray<Sample>,
  pick: (s: Sample) => number | null,
  pickNode: (v: { cpuPercent: number; memoryPercent: number }) => number
): Array<Series> => {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.nodes)))].sort()
  const t = (s: Sample) => new Date(s.at).getTime()
  return [
    { name: "cluster", color: "#111827", points: samples.map((s) => [t(s), pick(s)] as const) },
    ...names.map((name, i) => ({
      name,
      color: palette[i % palette.length] ?? "#888",
      points: samples.map((s) => {
        const v = s.nodes[name]
        return [t(s), v === undefined ? null : pickNode(v)] as const
      })
    }))
  ]
}

/** A number with a caption. */
const Card = (props: {
  readonly label: string
  readonly value: string
  readonly sub?: string | undefined
  readonly id: string
}) => (
  <div class="card" data-card={props.id}>
    <div class="label">{props.label}</div>
    <div class="value">{props.value}</div>
    {props.sub !== undefined && <div class="sub">{props.sub}</div>}
  </div>
)

/** The overview page. */
export const Overview = () => {
  const report = useStore(health)
  const samples = useStore(history)
  const nodeList = useStore(nodes)
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5000)
    return () => clearInterval(timer)
  }, [])
  const recent = useTasks({ limit: 8 })
  const windowMs = windowOf(samples, now)
  const a = report?.aggregate
  return (
    <div class="page">
      <h1>Overview</h1>
      <div class="cards">
        <Card id="nodes" label="Nodes online" value={a ? `${a.nodesOnline} / ${a.nodesTotal}` : "–"} />
        <Card
          id="cores"
          label="Cores allocated"
          value={a ? `${cores(a.coresAllocated)} / ${cores(a.cores)}` : "–"}
          sub={a ? `CPU ${percent(a.avgCpuPercent)}` : undefined}
        />
        <Card
          id="memory"
          label="Memory allocated"
          value={a ? `${bytes(a.memoryAllocatedBytes)} / ${bytes(a.memoryBytes)}` : "–"}
          sub={a ? `used ${percent(a.avgMemoryPercent)}` : undefined}
        />
        <Card id="running" label="Running" value={a ? String(a.tasksRunning) : "–"} />
        <Card id="pending" label="Pending" value={a ? String(a.tasksPending) : "–"} />
        <Card id="gpus" label="GPUs" value={a ? String(a.gpus) : "–"} />
      </div>
      <div class="charts">
        <LineChart
          title="CPU %"
          now={now}
          windowMs={windowMs}
          series={seriesOf(
            samples,
            (s) => s.cpuPercent,
            (v) => v.cpuPercent
          )}
        />
        <LineChart
          title="Memory %"
          now={now}
          windowMs={windowMs}
          series={seriesOf(
            samples,
            (s) => s.memoryPercent,
            (v) => v.memoryPercent
          )}
        />
      </div>
      <h2>
        Nodes <a href={href("/nodes")}>all →</a>
      </h2>
      <table class="table">
        <thead>
          <tr>
            <th>node</th>
            <th>status</th>
            <th>cores allocated</th>
            <th>memory allocated</th>
            <th>tasks</th>
          </tr>
        </thead>
        <tbody>
          {nodeList.map((n) => (
            <tr key={n.name}>
              <td>
                <a href={href(`/nodes/${n.name}`)}>{n.name}</a>
              </td>
              <td>
                <NodeBadge status={n.status} />
              </td>
              <td>
                <Meter
                  used={n.allocated.cores}
                  total={n.cores}
                  label={`${cores(n.allocated.cores)} / ${cores(n.cores)}`}
                />
              </td>
              <td>
                <Meter
                  used={n.allocated.memoryBytes}
                  total={n.memoryBytes}
                  label={`${bytes(n.allocated.memoryBytes)} / ${bytes(n.memoryBytes)}`}
                />
              </td>
              <td>{n.allocated.tasks}</td>
            </tr>
          ))}
          {nodeList.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No runner has registered yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <h2>
        Recent tasks <a href={href("/tasks")}>all →</a>
      </h2>
      <TaskTable tasks={recent.tasks} />
    </div>
  )
}
