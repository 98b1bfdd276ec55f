/** One task: everything the host knows of it, live status, kill/pause/resume, and its logs. */
import type { ComponentChildren } from "preact"
import { useState } from "preact/hooks"
import { ApiError, api } from "../api.js"
import { joinArgs } from "../argv.js"
import { LogViewer } from "../components/LogViewer.js"
import { StatusBadge } from "../components/Status.js"
import { bytes, cores, duration, time } from "../format.js"
import { href } from "../router.js"
import { isFinal } from "../types.js"
import { useTask } from "../useTasks.js"

const Row = (props: {
  readonly label: string
  readonly children: ComponentChildren
  readonly field?: string
}) => (
  <tr data-field={props.field ?? props.label}>
    <th>{props.label}</th>
    <td>{props.children}</td>
  </tr>
)

/** The task detail page. */
export const TaskDetail = (props: { readonly id: string }) => {
  const { task, setTask, error } = useTask(props.id)
  const [busy, setBusy] = useState(false)
  const [actionError, setActionError] = useState("")
  if (error !== "") return <p class="error page">{error}</p>
  if (task === null) return <p class="page muted">loading…</p>
  const act = async (name: "kill" | "pause" | "resume") => {
    if (name === "kill" && !confirm(`Kill task ${task.taskId}?`)) return
    setBusy(true)
    setActionError("")
    try {
      setTask(await api[name](task.taskId))
    } catch (e) {
      setActionError(e instanceof ApiError ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  const final = isFinal(task.status)
  return (
    <div class="page">
      <h1>
        Task <span class="mono">{task.taskId}</span> <StatusBadge status={task.status} />
      </h1>
      <div class="actions">
        <button
          type="button"
          class="danger"
          data-action="kill"
          disabled={busy || final}
          onClick={() => act("kill")}
        >
          Kill
        </button>
        <button
          type="button"
          data-action="pause"
          disabled={busy || task.status !== "running"}
          onClick={() => act("pause")}
        >
          Pause
        </button>
        <button
          type="button"
          data-action="resume"
          disabled={busy || task.status !== "paused"}
          onClick={() => act("resume")}
        >
          Resume
        </button>
        {actionError !== "" && <span class="error">{actionError}</span>}
      </div>
      <table class="details">
        <tbody>
          <Row label="command">
            <code>{joinArgs(task.command)}</code>
          </Row>
          <Row label="status">
            <span data-testid="task-status">{task.status}</span>
          </Row>
          <Row label="exit code">{task.exitCode ?? "–"}</Row>
          {task.error !== null && (
            <Row label={task.status === "completed" ? "note" : "error"} field="error">
              <span class={task.status === "completed" ? "muted" : "error"}>{task.error}</span>
            </Row>
          )}
          <Row label="batch">
            <a href={href(`/tasks?batch=${task.batchId}`)} class="mono">
              {task.batchId}
            </a>
          </Row>
          <Row label="target">{task.target ?? "(placed by the host)"}</Row>
          <Row label="node">
            {task.node === null ? "–" : <a href={href(`/nodes/${task.node}`)}>{task.node}</a>}
          </Row>
          <Row label="NUMA node">{task.numaNode ?? "–"}</Row>
          <Row label="GPUs">{task.gpus.length === 0 ? "–" : task.gpus.join(", ")}</Row>
          <Row label="container">
            {task.container === "NULL" ? "NULL (systemd fallback)" : task.container}
          </Row>
          <Row label="privileged">{task.privileged ? "yes" : "no"}</Row>
          <Row label="cores">{cores(task.cores)}</Row>
          <Row label="memory">{task.memoryBytes === null ? "no limit" : bytes(task.memoryBytes)}</Row>
          <Row label="env">
            {Object.keys(task.env).length === 0
              ? "–"
              : Object.entries(task.env).map(([k, v]) => (
                  <div key={k} class="mono">
                    {k}={v}
                  </div>
                ))}
          </Row>
          <Row label="mounts">
            {task.mounts.length === 0
              ? "–"
              : task.mounts.map((m) => (
                  <div key={m} class="mono">
                    {m}
                  </div>
                ))}
          </Row>
          <Row label="submitted">{time(task.submittedAt)}</Row>
          <Row label="started">{time(task.startedAt)}</Row>
          <Row label="finished">{time(task.finishedAt)}</Row>
          <Row label="runtime">
            {task.startedAt === null ? "–" : duration(task.startedAt, task.finishedAt)}
          </Row>
          <Row label="log files">
            <div class="mono">{task.stdoutPath}</div>
            <div class="mono">{task.stderrPath}</div>
          </Row>
        </tbody>
      </table>
      <h2>Logs</h2>
      <LogViewer taskId={task.taskId} />
    </div>
  )
}
