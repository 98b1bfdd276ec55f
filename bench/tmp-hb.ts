import { clusterEnv, cpuMsOf, freePort, startCli, stop, tempDir } from "./lib/cluster.js"
const dir = tempDir("hr-hb-")
const hostPort = await freePort()
const hostUrl = `http://127.0.0.1:${hostPort}`
const host = await startCli(["host"], { ...clusterEnv({ dataDir: dir.path, hostPort, heartbeat: 5 }), NODE_OPTIONS: process.env.HOST_NODE_OPTIONS ?? "" }, /listening on/)
const post = async (url: string, body: unknown) => { const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }); const t = await r.text(); if (!r.ok) throw new Error(t); return t }
const names = Array.from({ length: 500 }, (_, i) => `sim${i}`)
for (const name of names) await post(`${hostUrl}/nodes/register`, { name, url: "http://127.0.0.1:9", cores: 4, memoryBytes: 8e9, numa: [{ id: 0, cpus: [0,1,2,3], memoryBytes: 8e9 }], gpus: [], executors: ["process"] })
const hb = (name: string) => ({ name, usage: { cpuPercent: 1, memoryUsedBytes: 1e9, memoryPercent: 12.5, temperatures: [], gpus: [] }, runningTaskIds: [] })
const route = process.env.ROUTE ?? "hb"
const one = (i: number) => route === "hb" ? post(`${hostUrl}/nodes/${names[i % 500]}/heartbeat`, hb(names[i % 500]!)) : fetch(`${hostUrl}/${route}`).then((r) => r.text())
for (let i = 0; i < 500; i++) await one(i)
const pid = host.child.pid!
const rate = Number(process.env.RATE ?? 0)
const c0 = cpuMsOf(pid); let n = 0; const end = Date.now() + 8000
if (rate > 0) { await new Promise<void>((res) => { const t = setInterval(() => { if (Date.now() > end) { clearInterval(t); setTimeout(res, 200); return } for (let k = 0; k < rate / 100; k++) { void one(n++) } }, 10) }) }
else await Promise.all([0, 1].map(async (k) => { let i = k; while (Date.now() < end) { await one(i++); n++ } }))
console.log(`${route}: ${n} requests, host cpu per request ${((cpuMsOf(pid) - c0) / n).toFixed(3)} ms`)
const gcs = host.output().split("\n").filter((l) => /Mark-Compact|Scavenge|Mark-sweep/.test(l)); console.log("gc lines", gcs.length, "mark", gcs.filter((l) => /Mark/.test(l)).length); console.log(gcs.filter((l) => /Mark/.test(l)).slice(-5).join("\n"))
await stop(host); dir.remove()
