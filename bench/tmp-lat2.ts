import { connect } from "@hakuriver/sdk"
import { execFileSync, spawn } from "node:child_process"
import { up } from "./lib/cluster.js"
const cluster = await up("process")
const client = connect({ url: cluster.url })
const command = ["true"]
for (let i = 0; i < 10; i++) { const { taskIds } = await client.submit({ command, container: "NULL" }); await client.wait(taskIds) }
const st = spawn("perf", ["stat", "-e", "task-clock,page-faults,minor-faults,major-faults,context-switches,cpu-migrations", "-o", "/tmp/perfstat.out", "-p", String(cluster.proc.child.pid)], { stdio: "ignore" })
await new Promise((r) => setTimeout(r, 1500))
for (let i = 0; i < 200; i++) { const { taskIds } = await client.submit({ command, container: "NULL" }); await client.wait(taskIds) }
st.kill("SIGINT"); await new Promise((r) => setTimeout(r, 500))
await cluster.close()
