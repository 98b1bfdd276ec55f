/**
 * A multi-target GPU batch: one task per GPU of every node, one batch id. On a cluster without
 * GPUs it shows why the host refused each GPU target (and runs the CPU targets it also asks for,
 * so the batch is not empty).
 *
 *   npx tsx examples/gpu-batch.ts [ENV]     # ENV: a Docker environment with nvidia-smi
 */
import { connect, HakuRiverError } from "@hakuriver/sdk"

const cluster = connect()
const container = process.argv[2] // GPU tasks need a Docker environment; default from the host

const nodes = (await cluster.nodes()).filter((n) => n.status === "online")
const gpuTargets = nodes.flatMap((n) => n.gpus.map((g) => `${n.name}::${g.index}`))
const targets =
  gpuTargets.length > 0
    ? gpuTargets
    : // no GPUs anywhere: ask for GPU 0 of each node anyway (refused, with a reason) plus each node itself
      [...nodes.map((n) => `${n.name}::0`), ...nodes.map((n) => n.name)]
console.log(`targets: ${targets.join(" ")}`)

try {
  const { batchId, taskIds, failedTargets } = await cluster.submit({
    command: ["sh", "-c", "nvidia-smi -L 2>/dev/null || echo 'no GPU visible'"],
    targets,
    ...(container === undefined ? {} : { container })
  })
  console.log(`batch ${batchId}: ${taskIds.length} task(s)`)
  for (const f of failedTargets) console.log(`refused ${f.target}: ${f.reason}`)
  const tasks = await cluster.wait(taskIds)
  for (const t of tasks) {
    console.log(
      `${t.target ?? t.node}  ${t.status}  gpus=[${t.gpus.join(",")}]  ${(await cluster.logs(t.taskId)).trimEnd()}`
    )
  }
} catch (e) {
  // every target refused: the host says why, target by target
  if (e instanceof HakuRiverError && e._tag === "BadRequest") console.log(`refused: ${e.message}`)
  else throw e
}
