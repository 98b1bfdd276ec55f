/**
 * A notebook-style session: top-level await, one cell per step (`// %%` marks a cell, as in
 * Jupyter's percent format; run it whole with `npx tsx examples/notebook.ts`, or paste the cells
 * into a TypeScript kernel such as Deno's or tslab).
 */

// %% [1] connect and look at the cluster
import { connect } from "@hakuriver/sdk"

const cluster = connect() // or connect({ url: "http://head:8000", token: "…" })
const nodes = await cluster.nodes()
console.table(nodes.map((n) => ({ node: n.name, status: n.status, cores: n.cores, gpus: n.gpus.length })))

// %% [2] submit a small job that writes as it goes
const { taskIds } = await cluster.submit({
  command: ["sh", "-c", "for i in 1 2 3; do echo step $i; sleep 0.2; done"],
  env: { PYTHONUNBUFFERED: "1" }
})
const id = taskIds[0] ?? ""
console.log(`task ${id}`)

// %% [3] follow its output live
for await (const chunk of cluster.logs(id, { follow: true })) process.stdout.write(chunk)

// %% [4] its final record, and the cluster's health
const task = await cluster.status(id)
console.log(
  `${task.status} (exit ${task.exitCode}) in ${Date.parse(task.finishedAt ?? "") - Date.parse(task.startedAt ?? "")} ms`
)
const health = await cluster.health()
console.log(`${health.aggregate.nodesOnline}/${health.aggregate.nodesTotal} nodes online`)

// %% [5] the tasks of this batch
const batch = await cluster.tasks({ batch: task.batchId })
console.log(batch.map((t) => `${t.taskId} ${t.status}`).join("\n"))
