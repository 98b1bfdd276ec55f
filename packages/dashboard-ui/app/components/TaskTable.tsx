/** The task table shared by the overview and the tasks page; rows link to the task detail. */
import { joinArgs } from "../argv.js"
import { cores, duration, time } from "../format.js"
import { href } from "../router.js"
import type { Task } from "../types.js"
import { StatusBadge } from "./Status.js"

/** A table of tasks. */
export const TaskTable = (props: { readonly tasks: ReadonlyArray<Task>; readonly empty?: string }) => (
  <table class="table tasks">
    <thead>
      <tr>
        <th>task</th>
        <th>status</th>
        <th>command</th>
        <th>node / target</th>
        <th>cores</th>
        <th>submitted</th>
        <th>runtime</th>
      </tr>
    </thead>
    <tbody>
      {props.tasks.map((t) => (
        <tr key={t.taskId} data-task-id={t.taskId}>
          <td>
            <a href={href(`/tasks/${t.taskId}`)} class="mono">
              {t.taskId}
            </a>
          </td>
          <td>
            <StatusBadge status={t.status} />
            {t.exitCode !== null && t.exitCode !== undefined && t.status !== "completed" && (
              <span class="muted"> ({t.exitCode})</span>
            )}
          </td>
          <td class="mono command" title={joinArgs(t.command)}>
            {joinArgs(t.command)}
          </td>
          <td>
            {t.node ?? "–"}
            {t.target !== null && t.target !== t.node && <span class="muted"> ({t.target})</span>}
          </td>
          <td>{cores(t.cores)}</td>
          <td>{time(t.submittedAt)}</td>
          <td>{t.startedAt === null ? "–" : duration(t.startedAt, t.finishedAt)}</td>
        </tr>
      ))}
      {props.tasks.length === 0 && (
        <tr>
          <td colSpan={7} class="muted">
            {props.empty ?? "No tasks."}
          </td>
        </tr>
      )}
    </tbody>
  </table>
)
