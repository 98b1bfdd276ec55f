import { performance } from "node:perf_hooks"
import { connect } from "@hakuriver/sdk"
import { up, cpuMsOf } from "./lib/cluster.js"
const cluster = await up("process")
const client = connect({ url: cluster.url })
const command = ["true"]
for (let i = 0; i < 10; i++) { const { taskIds } = await client.submit({ command, container: "NULL" }); await client.wait(taskIds) }
const n = Number(process.env.N ?? 100)
const sub: number[] = [], wt: number[] = []
const c0 = cpuMsOf(cluster.proc.child.pid!)
const self0 = process.cpuUsage()
for (let i = 0; i < n; i++) {
  const t0 = performance.now()
  const { taskIds } = await client.submit({ command, container: "NULL" })
  const t1 = performance.now()
  await client.wait(taskIds)
  sub.push(t1 - t0); wt.push(performance.now() - t1)
}
const c1 = cpuMsOf(cluster.proc.child.pid!)
const s = process.cpuUsage(self0)
const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(2)
console.log(`submit p50 ${med(sub)} wait p50 ${med(wt)}; up cpu/task ${((c1 - c0) / n).toFixed(2)} ms; client cpu/task ${((s.user + s.system) / 1000 / n).toFixed(2)} ms`)
await cluster.close()
