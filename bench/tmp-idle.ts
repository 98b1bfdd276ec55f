import { up, cpuMsOf } from "./lib/cluster.js"
const cluster = await up("process")
await new Promise((r) => setTimeout(r, 2000))
const c0 = cpuMsOf(cluster.proc.child.pid!)
await new Promise((r) => setTimeout(r, 5000))
console.log(`idle cpu over 5 s: ${cpuMsOf(cluster.proc.child.pid!) - c0} ms`)
await cluster.close()
