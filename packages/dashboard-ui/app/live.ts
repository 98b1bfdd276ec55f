/**
 * The live state of the cluster, fed by the host's Server-Sent Events stream (`/events`): the
 * node list, cluster health, a usage history for the charts, and every task change as it
 * happens. Pages read the stores; nothing polls the whole page.
 */
import { needsToken, token, urlWithToken } from "./api.js"
import { Store } from "./store.js"
import type { HealthReport, NodeView, Sample, Task } from "./types.js"

/** State of the event stream. */
export type Connection = "connecting" | "open" | "retrying"

/** Whether the event stream is up. */
export const connection = new Store<Connection>("connecting")
/** Nodes as last reported. */
export const nodes = new Store<ReadonlyArray<NodeView>>([])
/** Cluster health as last reported. */
export const health = new Store<HealthReport | null>(null)
/** Usage samples of the last minutes, oldest first. */
export const history = new Store<ReadonlyArray<Sample>>([])

const taskListeners = new Set<(task: Task) => void>()

/** Calls `listener` with every task the host reports as changed; returns the unsubscribe. */
export const onTaskChange = (listener: (task: Task) => void): (() => void) => {
  taskListeners.add(listener)
  return () => {
    taskListeners.delete(listener)
  }
}

/** How many samples the charts keep (the host sends about one every few seconds). */
const maxSamples = 240

interface SnapshotEvent {
  readonly nodes: ReadonlyArray<NodeView>
  readonly health: HealthReport
  readonly history: ReadonlyArray<Sample>
}
interface ClusterEvent {
  readonly nodes: ReadonlyArray<NodeView>
  readonly health: HealthReport
}

let source: EventSource | undefined

const parse = <A>(event: MessageEvent): A | undefined => {
  try {
    return JSON.parse(String(event.data)) as A
  } catch {
    return undefined
  }
}

/** Opens (or re-opens, after a token change) the event stream. */
export const connect = (): void => {
  source?.close()
  connection.set("connecting")
  const es = new EventSource(urlWithToken("/events"))
  source = es
  es.addEventListener("open", () => connection.set("open"))
  es.addEventListener("error", () => {
    connection.set("retrying")
    // EventSource retries by itself unless the server refused the request outright.
    if (es.readyState === EventSource.CLOSED && source === es) {
      setTimeout(() => {
        if (source === es && !needsToken.get()) connect()
      }, 3000)
    }
  })
  es.addEventListener("snapshot", (event) => {
    const data = parse<SnapshotEvent>(event)
    if (data === undefined) return
    nodes.set(data.nodes)
    health.set(data.health)
    history.set(data.history.slice(-maxSamples))
  })
  es.addEventListener("cluster", (event) => {
    const data = parse<ClusterEvent>(event)
    if (data === undefined) return
    nodes.set(data.nodes)
    health.set(data.health)
  })
  es.addEventListener("sample", (event) => {
    const data = parse<Sample>(event)
    if (data === undefined) return
    history.update((samples) => [...samples, data].slice(-maxSamples))
  })
  es.addEventListener("task", (event) => {
    const data = parse<Task>(event)
    if (data === undefined) return
    for (const listener of taskListeners) listener(data)
  })
}

// A new token means a new stream.
token.subscribe(() => connect())
