/**
 * A terminal into an environment container on the host: xterm.js over the host's terminal
 * WebSocket (binary frames are bytes both ways; text frames are JSON control messages).
 */
import { FitAddon } from "@xterm/addon-fit"
import { Terminal as XTerm } from "@xterm/xterm"
import "@xterm/xterm/css/xterm.css"
import { useEffect, useRef, useState } from "preact/hooks"
import { urlWithToken } from "../api.js"
import { href } from "../router.js"

/** The terminal page for `env`. */
export const Terminal = (props: { readonly env: string }) => {
  const box = useRef<HTMLDivElement>(null)
  const [state, setState] = useState("connecting")
  useEffect(() => {
    const el = box.current
    if (el === null) return
    const term = new XTerm({ cursorBlink: true, fontSize: 14, convertEol: false, scrollback: 5000 })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.open(el)
    fit.fit()
    const u = new URL(urlWithToken(`/docker/containers/${encodeURIComponent(props.env)}/shell`))
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:"
    u.searchParams.set("cols", String(term.cols))
    u.searchParams.set("rows", String(term.rows))
    const ws = new WebSocket(u)
    ws.binaryType = "arraybuffer"
    const encoder = new TextEncoder()
    ws.onopen = () => {
      setState("connected")
      term.focus()
    }
    ws.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) {
        term.write(new Uint8Array(event.data))
        return
      }
      try {
        const msg = JSON.parse(String(event.data)) as { type: string; code?: number; message?: string }
        if (msg.type === "exit") setState(`shell exited (${msg.code ?? "?"})`)
        else if (msg.type === "error") setState(`error: ${msg.message ?? "unknown"}`)
      } catch {
        term.write(String(event.data))
      }
    }
    ws.onclose = () => setState((s) => (s === "connected" || s === "connecting" ? "disconnected" : s))
    const input = term.onData((data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(data))
    })
    const resize = term.onResize(({ cols, rows }) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "resize", cols, rows }))
    })
    const onWindowResize = () => fit.fit()
    window.addEventListener("resize", onWindowResize)
    return () => {
      window.removeEventListener("resize", onWindowResize)
      input.dispose()
      resize.dispose()
      ws.close()
      term.dispose()
    }
  }, [props.env])
  return (
    <div class="page">
      <h1>
        Terminal: {props.env} <span class="muted small">{state}</span>
      </h1>
      <p>
        <a href={href("/environments")}>← environments</a> · changes persist in the container; run{" "}
        <em>Create tarball</em> to ship them to the runners.
      </p>
      <div ref={box} class="terminal" />
    </div>
  )
}
