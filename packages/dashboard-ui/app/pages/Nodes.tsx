/** Nodes: status, cores and memory, live usage, NUMA topology and GPUs of every runner. */
import { Meter, NodeBadge } from "../components/Status.js"
import { ago, bytes, cores, percent } from "../format.js"
import { health, nodes } from "../live.js"
import { href } from "../router.js"
import { useStore } from "../store.js"
import type { HealthReport, NodeView } from "../types.js"

/** `0-3,8-11` from a CPU list. */
export const cpuRanges = (cpus: ReadonlyArray<number>): string => {
  const sorted = [...cpus].sort((a, b) => a - b)
  const parts: Array<string> = []
  let i = 0
  while (i < sorted.length) {
    const start = sorted[i] ?? 0
    let end = start
    while (sorted[i + 1] === end + 1) {
      end++
      i++
    }
    parts.push(start === end ? String(start) : `${start}-${end}`)
    i++
  }
  return parts.join(",")
}

type Usage = NonNullable<HealthReport["nodes"][number]["usage"]>

const NodeCard = (props: { readonly node: NodeView; readonly usage: Usage | null }) => {
  const n = props.node
  const u = props.usage
  const gpuUsage = new Map((u?.gpus ?? []).map((g) => [g.index, g]))
  return (
    <section class="node" data-node={n.name}>
      <header>
        <h2>
          <a href={href(`/nodes/${n.name}`)}>{n.name}</a> <NodeBadge status={n.status} />
        </h2>
        <span class="muted">
          {n.url} · {n.executors.join(", ")} · heartbeat {ago(n.lastHeartbeatAt)}
        </span>
      </header>
      <div class="grid2">
        <div>
          <div class="label">cores allocated</div>
          <Meter
            used={n.allocated.cores}
            total={n.cores}
            label={`${cores(n.allocated.cores)} / ${cores(n.cores)}`}
          />
          <div class="label">memory allocated</div>
          <Meter
            used={n.allocated.memoryBytes}
            total={n.memoryBytes}
            label={`${bytes(n.allocated.memoryBytes)} / ${bytes(n.memoryBytes)}`}
          />
          <div class="muted">{n.allocated.tasks} active task(s)</div>
        </div>
        <div>
          <div class="label">CPU use</div>
          <Meter used={u?.cpuPercent ?? 0} total={100} label={percent(u?.cpuPercent)} />
          <div class="label">memory use</div>
          <Meter
            used={u?.memoryPercent ?? 0}
            total={100}
            label={u === null ? "–" : `${bytes(u.memoryUsedBytes)} (${percent(u.memoryPercent)})`}
          />
          {u !== null && u.temperatures.length > 0 && (
            <div class="muted">
              {u.temperatures.map((t) => `${t.label} ${t.celsius.toFixed(0)}°C`).join(" · ")}
            </div>
          )}
        </div>
      </div>
      <h3>NUMA topology</h3>
      {n.numa.length === 0 ? (
        <p class="muted">No NUMA information (single node).</p>
      ) : (
        <table class="table compact">
          <thead>
            <tr>
              <th>NUMA</th>
              <th>CPUs</th>
              <th>memory</th>
            </tr>
          </thead>
          <tbody>
            {n.numa.map((z) => (
              <tr key={z.id}>
                <td>{z.id}</td>
                <td class="mono">{cpuRanges(z.cpus)}</td>
                <td>{bytes(z.memoryBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>GPUs</h3>
      {n.gpus.length === 0 ? (
        <p class="muted">No GPUs.</p>
      ) : (
        <table class="table compact">
          <thead>
            <tr>
              <th>#</th>
              <th>model</th>
              <th>utilisation</th>
              <th>memory</th>
              <th>temperature</th>
              <th>power</th>
              <th>allocated</th>
            </tr>
          </thead>
          <tbody>
            {n.gpus.map((g) => {
              const live = gpuUsage.get(g.index) ?? g
              const total = live.memoryTotalMiB ?? g.memoryTotalMiB
              return (
                <tr key={g.index}>
                  <td>{g.index}</td>
                  <td>{g.name}</td>
                  <td>
                    <Meter
                      used={live.utilizationPercent ?? 0}
                      total={100}
                      label={percent(live.utilizationPercent)}
                    />
                  </td>
                  <td>
                    {live.memoryUsedMiB === undefined || total === undefined
                      ? "–"
                      : `${live.memoryUsedMiB.toFixed(0)} / ${total.toFixed(0)} MiB`}
                  </td>
                  <td>{live.temperatureC === undefined ? "–" : `${live.temperatureC.toFixed(0)}°C`}</td>
                  <td>{live.powerDrawW === undefined ? "–" : `${live.powerDrawW.toFixed(0)} W`}</td>
                  <td>{n.allocated.gpus.includes(g.index) ? "yes" : "–"}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** The nodes page, or one node's (`#/nodes/NAME`). */
export const Nodes = (props: { readonly name?: string }) => {
  const list = useStore(nodes)
  const report = useStore(health)
  const usage = new Map((report?.nodes ?? []).map((h) => [h.name, h.usage]))
  const shown = props.name === undefined ? list : list.filter((n) => n.name === props.name)
  return (
    <div class="page">
      <h1>{props.name === undefined ? "Nodes" : `Node ${props.name}`}</h1>
      {props.name !== undefined && (
        <p>
          <a href={href(`/tasks?node=${props.name}`)}>tasks on {props.name} →</a>
        </p>
      )}
      {shown.map((n) => (
        <NodeCard key={n.name} node={n} usage={usage.get(n.name) ?? null} />
      ))}
      {shown.length === 0 && <p class="muted">No such node has registered.</p>}
    </div>
  )
}
