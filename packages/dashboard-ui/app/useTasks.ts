/**
 * A page of the task list that stays live: it is loaded once per filter, then every task change
 * from the event stream updates its row (and new tasks that match appear on the first page).
 */
import { useEffect, useState } from "preact/hooks"
import { ApiError, api, type TaskFilter } from "./api.js"
import { onTaskChange } from "./live.js"
import { later } from "./taskOrder.js"
import type { Task } from "./types.js"

const matches = (task: Task, filter: TaskFilter): boolean =>
  (filter.status === undefined || filter.status === "" || filter.status.split(",").includes(task.status)) &&
  (filter.node === undefined || filter.node === "" || task.node === filter.node) &&
  (filter.batch === undefined || filter.batch === "" || task.batchId === filter.batch)

/** A fetched page merged with what the stream delivered meanwhile. */
const mergeFetched = (fetched: ReadonlyArray<Task>, current: ReadonlyArray<Task>, filter: TaskFilter) => {
  const byId = new Map(current.map((t) => [t.taskId, t]))
  const merged = fetched.map((t) => later(t, byId.get(t.taskId)))
  const known = new Set(fetched.map((t) => t.taskId))
  const arrived =
    (filter.offset ?? 0) > 0 ? [] : current.filter((t) => !known.has(t.taskId) && matches(t, filter))
  const next = [...merged, ...arrived].sort(newestFirst)
  return filter.limit === undefined ? next : next.slice(0, filter.limit)
}

/** Newest first, as the host lists them. */
const newestFirst = (a: Task, b: Task): number =>
  a.taskId.length !== b.taskId.length ? b.taskId.length - a.taskId.length : b.taskId < a.taskId ? -1 : 1

/** The tasks of `filter`, live; `error` is set when the list could not be loaded. */
export const useTasks = (filter: TaskFilter) => {
  const [tasks, setTasks] = useState<ReadonlyArray<Task>>([])
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState("")
  const key = JSON.stringify(filter)

  useEffect(() => {
    let cancelled = false
    setLoading(true)
    api
      .tasks(filter)
      .then((list) => {
        if (cancelled) return
        setTasks((current) => mergeFetched(list, current, filter))
        setError("")
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e instanceof ApiError ? e.message : String(e))
      })
      .finally(() => {
        if (!cancelled) setLoading(false)
      })
    const unsubscribe = onTaskChange((task) => {
      setTasks((list) => {
        const i = list.findIndex((t) => t.taskId === task.taskId)
        if (i >= 0) {
          if (!matches(task, filter)) return list.filter((t) => t.taskId !== task.taskId)
          const next = list.slice()
          next[i] = task
          return next
        }
        if ((filter.offset ?? 0) > 0 || !matches(task, filter)) return list
        const next = [task, ...list].sort(newestFirst)
        return filter.limit === undefined ? next : next.slice(0, filter.limit)
      })
    })
    return () => {
      cancelled = true
      unsubscribe()
    }
  }, [key])

  return { tasks, loading, error }
}

/** One task, live. */
export const useTask = (id: string) => {
  const [task, setTask] = useState<Task | null>(null)
  const [error, setError] = useState("")
  useEffect(() => {
    let cancelled = false
    setTask(null)
    api
      .task(id)
      .then((t) => {
        if (!cancelled) setTask((current) => (current?.taskId === t.taskId ? later(t, current) : t))
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e instanceof ApiError ? e.message : String(e))
      })
    const unsubscribe = onTaskChange((t) => {
      if (t.taskId === id) setTask(t)
    })
    return () => {
      cancelled = true
      unsubscribe()
    }
  }, [id])
  return { task, setTask, error }
}
