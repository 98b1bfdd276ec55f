/**
 * A parameter sweep: hakurun's span syntax expanded in a script, all runs submitted to the
 * cluster as ONE batch (one batch id), waited for together, results printed as a table.
 *
 *   npx tsx examples/sweep.ts
 */
import { connect, Sweep } from "@hakuriver/sdk"

const cluster = connect() // HAKURIVER_URL / HAKURIVER_TOKEN, else ~/.hakuriver/config.toml

// span:{1..3} × span:[a,b] → 6 runs, the last span varying fastest (as hakurun runs them)
const template = ["sh", "-c", 'echo "n=$1 mode=$2 result=$(($1 * 10))"', "sweep", "span:{1..3}", "span:[a,b]"]
const runs = Sweep.expandSync(template) // throws InvalidInput on a malformed span
console.log(`${runs.length} runs`)

const { batchId, taskIds: ids } = await cluster.submitBatch(runs.map((command) => ({ command, cores: 0.5 })))
console.log(`batch ${batchId}`)

let shown = -1
const tasks = await cluster.wait(ids, {
  onUpdate: (ts) => {
    const done = ts.filter((t) => t.finishedAt !== null).length
    if (done !== shown) console.log(`${done}/${ids.length} done`)
    shown = done
  }
})

for (const task of tasks) {
  const output = (await cluster.logs(task.taskId)).trimEnd()
  console.log(`${task.command.slice(4).join(" ")}  ${task.status}  ${output}`)
}
process.exitCode = tasks.every((t) => t.status === "completed") ? 0 : 1
