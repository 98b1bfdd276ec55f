/** The dashboard's entry: layout, navigation, token prompt and the page for the current route. */
import { type FunctionComponent, render } from "preact"
import { useEffect, useState } from "preact/hooks"
import { api, needsToken } from "./api.js"
import { TokenDialog } from "./components/TokenDialog.js"
import { connect, connection, health, nodes } from "./live.js"
import { Environments } from "./pages/Environments.js"
import { Nodes } from "./pages/Nodes.js"
import { Overview } from "./pages/Overview.js"
import { Submit } from "./pages/Submit.js"
import { TaskDetail } from "./pages/TaskDetail.js"
import { Tasks } from "./pages/Tasks.js"
import { href, route } from "./router.js"
import { useStore } from "./store.js"
import "./style.css"

const links = [
  ["/", "Overview"],
  ["/nodes", "Nodes"],
  ["/tasks", "Tasks"],
  ["/submit", "Submit"],
  ["/environments", "Environments"]
] as const

/** The terminal page pulls in xterm.js (most of the bundle), so it is loaded only when opened. */
const LazyTerminal = (props: { readonly env: string }) => {
  const [Loaded, setLoaded] = useState<FunctionComponent<{ readonly env: string }> | null>(null)
  useEffect(() => {
    void import("./pages/Terminal.js").then((m) => setLoaded(() => m.Terminal))
  }, [])
  return Loaded === null ? <p class="page muted">loading the terminal…</p> : <Loaded env={props.env} />
}

const Page = () => {
  const { path } = useStore(route)
  const [first, second] = path
  switch (first) {
    case undefined:
      return <Overview />
    case "nodes":
      return second === undefined ? <Nodes /> : <Nodes name={second} />
    case "tasks":
      return second === undefined ? <Tasks /> : <TaskDetail id={second} />
    case "submit":
      return <Submit />
    case "environments":
      return <Environments />
    case "terminal":
      return second === undefined ? <Environments /> : <LazyTerminal env={second} />
    default:
      return <p class="page muted">No such page.</p>
  }
}

/** Loads the first snapshot over plain HTTP (it also tells whether the token is accepted). */
const loadInitial = async () => {
  try {
    const [report, list] = await Promise.all([api.health(), api.nodes()])
    health.set(report)
    nodes.set(list)
  } catch {
    // the token prompt or the connection indicator tells the user
  }
}

const App = () => {
  const { path } = useStore(route)
  const ask = useStore(needsToken)
  const conn = useStore(connection)
  useEffect(() => {
    void loadInitial()
    connect()
    return needsToken.subscribe((ask) => {
      if (!ask) void loadInitial()
    })
  }, [])
  const current = `/${path[0] ?? ""}`
  return (
    <div class="layout">
      <nav>
        <div class="brand">HakuRiver</div>
        {links.map(([to, label]) => (
          <a key={to} href={href(to)} class={current === to ? "active" : ""}>
            {label}
          </a>
        ))}
        <div class={`conn conn-${conn}`} data-connection={conn} title="live updates (Server-Sent Events)">
          ● {conn === "open" ? "live" : conn}
        </div>
      </nav>
      <main>
        <Page />
      </main>
      {ask && <TokenDialog />}
    </div>
  )
}

const root = document.getElementById("app")
if (root !== null) render(<App />, root)
