/**
 * The log viewer: a task's stdout or stderr, followed while the task runs (the host's log route
 * long-polls: it answers as soon as new bytes arrive or the task ends).
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiError, api } from "../api.js"

/** Keeps the browser responsive on huge logs: only the last part is shown. */
const maxChars = 2_000_000

/** Shows and follows one task's logs. */
export const LogViewer = (props: { readonly taskId: string }) => {
  const [stream, setStream] = useState<"stdout" | "stderr">("stdout")
  const [text, setText] = useState("")
  const [state, setState] = useState<"loading" | "following" | "done" | "error">("loading")
  const [error, setError] = useState("")
  const [autoScroll, setAutoScroll] = useState(true)
  const pre = useRef<HTMLPreElement>(null)

  useEffect(() => {
    let cancelled = false
    setText("")
    setState("loading")
    setError("")
    const run = async () => {
      let offset = 0
      let first = true
      while (!cancelled) {
        try {
          const chunk = await api.logs(props.taskId, stream, offset, first ? 0 : 15_000)
          if (cancelled) return
          first = false
          offset = chunk.offset
          if (chunk.data !== "") setText((t) => (t + chunk.data).slice(-maxChars))
          if (chunk.done) {
            setState("done")
            return
          }
          setState("following")
        } catch (e) {
          if (cancelled) return
          setState("error")
          setError(e instanceof ApiError ? e.message : String(e))
          await new Promise((r) => setTimeout(r, 3000))
        }
      }
    }
    void run()
    return () => {
      cancelled = true
    }
  }, [props.taskId, stream])

  useEffect(() => {
    if (autoScroll && pre.current !== null) pre.current.scrollTop = pre.current.scrollHeight
  }, [text, autoScroll])

  return (
    <section class="logs">
      <div class="toolbar">
        <div class="tabs">
          {(["stdout", "stderr"] as const).map((s) => (
            <button
              key={s}
              type="button"
              class={s === stream ? "active" : ""}
              data-stream={s}
              onClick={() => setStream(s)}
            >
              {s}
            </button>
          ))}
        </div>
        <span class={`log-state ${state}`} data-log-state={state}>
          {state === "following" ? "● following" : state === "done" ? "complete" : state}
        </span>
        <label>
          <input
            type="checkbox"
            checked={autoScroll}
            onChange={(e) => setAutoScroll(e.currentTarget.checked)}
          />{" "}
          auto-scroll
        </label>
      </div>
      {error !== "" && <p class="error">{error}</p>}
      <pre ref={pre} class="log-text" data-testid="log-text">
        {text === "" ? (state === "loading" ? "loading…" : "(empty)") : text}
      </pre>
    </section>
  )
}
