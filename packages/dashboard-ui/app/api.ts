/**
 * Same-origin calls of the host's HTTP API with the bearer token the user gave once (kept in
 * localStorage). A refused token (401) marks the session as needing a token again.
 */
import { Store } from "./store.js"
import type {
  EnvContainer,
  HealthReport,
  NodeView,
  SubmitResponse,
  TarballInfo,
  TarProgress,
  Task,
  TaskSpec
} from "./types.js"

const tokenKey = "hakuriver.token"

/** The bearer token ("" when the host needs none). */
export const token = new Store<string>(localStorage.getItem(tokenKey) ?? "")

/** True when the host refused the token we hold: the page asks for one. */
export const needsToken = new Store<boolean>(false)

/** Stores a new token and clears the refusal. */
export const setToken = (value: string): void => {
  localStorage.setItem(tokenKey, value)
  token.set(value)
  needsToken.set(false)
}

/** A call that the host answered with an error status (or that did not reach it). */
export class ApiError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** The URL of a host path, relative to the page (works behind a path prefix too). */
export const url = (path: string): string => new URL(path.replace(/^\//, ""), document.baseURI).toString()

/** A URL with the token as a query parameter, for EventSource and WebSocket (no headers there). */
export const urlWithToken = (path: string): string => {
  const u = new URL(url(path))
  if (token.get() !== "") u.searchParams.set("token", token.get())
  return u.toString()
}

const messageOf = async (response: Response): Promise<string> => {
  const text = await response.text()
  try {
    const body: unknown = JSON.parse(text)
    if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") {
      return body.message
    }
  } catch {
    // not JSON: use the text itself
  }
  return text === "" ? `${response.status} ${response.statusText}` : text.slice(0, 500)
}

/** One JSON call; rejects with `ApiError`. */
export const request = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
  const headers: Record<string, string> = { accept: "application/json" }
  if (token.get() !== "") headers.authorization = `Bearer ${token.get()}`
  if (body !== undefined) headers["content-type"] = "application/json"
  let response: Response
  try {
    response = await fetch(url(path), {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  } catch (error) {
    throw new ApiError(0, `cannot reach the host: ${String(error)}`)
  }
  if (response.status === 401) needsToken.set(true)
  if (!response.ok) throw new ApiError(response.status, await messageOf(response))
  if (response.status === 204) return undefined as A
  const text = await response.text()
  return (text === "" ? undefined : JSON.parse(text)) as A
}

/** Query string from optional values. */
const query = (params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v))
  const s = q.toString()
  return s === "" ? "" : `?${s}`
}

/** Filters of the task list. */
export interface TaskFilter {
  readonly status?: string
  readonly node?: string
  readonly batch?: string
  readonly limit?: number
  readonly offset?: number
}

/** A piece of a task log. */
export interface LogChunk {
  readonly data: string
  readonly offset: number
  readonly done: boolean
}

/** The host API as the dashboard uses it. */
export const api = {
  health: () => request<HealthReport>("GET", "/health"),
  nodes: () => request<ReadonlyArray<NodeView>>("GET", "/nodes"),
  tasks: (filter: TaskFilter) => request<ReadonlyArray<Task>>("GET", `/tasks${query({ ...filter })}`),
  task: (id: string) => request<Task>("GET", `/tasks/${encodeURIComponent(id)}`),
  submit: (spec: TaskSpec) => request<SubmitResponse>("POST", "/tasks", spec),
  kill: (id: string) => request<Task>("POST", `/tasks/${encodeURIComponent(id)}/kill`),
  pause: (id: string) => request<Task>("POST", `/tasks/${encodeURIComponent(id)}/pause`),
  resume: (id: string) => request<Task>("POST", `/tasks/${encodeURIComponent(id)}/resume`),
  logs: (id: string, stream: "stdout" | "stderr", offset: number, waitMs: number) =>
    request<LogChunk>(
      "GET",
      `/tasks/${encodeURIComponent(id)}/logs${query({ stream, offset, waitMs: waitMs > 0 ? waitMs : undefined })}`
    ),
  containers: () => request<ReadonlyArray<EnvContainer>>("GET", "/docker/containers"),
  createContainer: (image: string, env: string) =>
    request<EnvContainer>("POST", "/docker/containers", { image, env }),
  startContainer: (env: string) => request<EnvContainer>("POST", `/docker/containers/${env}/start`),
  stopContainer: (env: string) => request<EnvContainer>("POST", `/docker/containers/${env}/stop`),
  deleteContainer: (env: string) => request<void>("DELETE", `/docker/containers/${env}`),
  tars: () => request<ReadonlyArray<TarballInfo>>("GET", "/docker/tars"),
  createTar: (env: string) => request<TarballInfo>("POST", `/docker/tars/${env}`),
  tarProgress: (env: string) => request<TarProgress>("GET", `/docker/tars/${env}/progress`)
}
