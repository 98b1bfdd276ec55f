/** Tasks: the list, filterable by status, node and batch, paginated, live. */
import { TaskTable } from "../components/TaskTable.js"
import { nodes } from "../live.js"
import { href, navigate, route } from "../router.js"
import { useStore } from "../store.js"
import { statuses } from "../types.js"
import { useTasks } from "../useTasks.js"

const pageSize = 25

/** The tasks page; its filter lives in the URL (`#/tasks?status=running&page=2`). */
export const Tasks = () => {
  const { query } = useStore(route)
  const nodeList = useStore(nodes)
  const status = query.get("status") ?? ""
  const node = query.get("node") ?? ""
  const batch = query.get("batch") ?? ""
  const page = Math.max(1, Number(query.get("page") ?? "1") || 1)
  const { tasks, loading, error } = useTasks({
    status,
    node,
    batch,
    limit: pageSize,
    offset: (page - 1) * pageSize
  })
  const go = (changes: Record<string, string>) => {
    const q = new URLSearchParams({ status, node, batch, page: String(page), ...changes })
    for (const [k, v] of [...q.entries()]) if (v === "" || (k === "page" && v === "1")) q.delete(k)
    const s = q.toString()
    navigate(`/tasks${s === "" ? "" : `?${s}`}`)
  }
  return (
    <div class="page">
      <h1>
        Tasks{" "}
        <a class="button primary" href={href("/submit")}>
          Submit a task
        </a>
      </h1>
      <div class="filters">
        <label>
          status
          <select
            name="status"
            value={status}
            onChange={(e) => go({ status: e.currentTarget.value, page: "1" })}
          >
            <option value="">any</option>
            <option value="pending,assigning,running,paused">active</option>
            <option value="completed,failed,killed,killed_oom,lost">finished</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          node
          <select name="node" value={node} onChange={(e) => go({ node: e.currentTarget.value, page: "1" })}>
            <option value="">any</option>
            {nodeList.map((n) => (
              <option key={n.name} value={n.name}>
                {n.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          batch
          <input
            name="batch"
            placeholder="batch id"
            value={batch}
            onChange={(e) => go({ batch: e.currentTarget.value.trim(), page: "1" })}
          />
        </label>
        {loading && <span class="muted">loading…</span>}
      </div>
      {error !== "" && <p class="error">{error}</p>}
      <TaskTable tasks={tasks} empty={loading ? "…" : "No tasks match."} />
      <div class="pager">
        <button type="button" disabled={page <= 1} onClick={() => go({ page: String(page - 1) })}>
          ← newer
        </button>
        <span>page {page}</span>
        <button
          type="button"
          disabled={tasks.length < pageSize}
          onClick={() => go({ page: String(page + 1) })}
        >
          older →
        </button>
      </div>
    </div>
  )
}
