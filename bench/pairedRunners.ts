/**
 * Paired runners: a way to compare two builds of the runner where two runs one after the other
 * cannot. One host and four runners; runners 1 and 3 run the build `BENCH_CLI_PAIR`
 * (`PATH/hakuriver.js`, e.g. a copy of `packages/cli/dist` made before a change), runners 0 and 2
 * the bench's own. Both pairs take tasks from the same queue on the same machine at the same
 * moments, so the machine's drift (±1 ms of CPU a task between runs here) reaches both alike.
 * Without `BENCH_CLI_PAIR` both pairs run the same build: an A/A run, whose difference is the
 * method's own spread. Each round is a fresh cluster, warmed (`lib/warmUp.ts`), then one batch;
 * a runner's CPU (with its spawn helper's, from `/proc`) is divided by the tasks it ran.
 *
 * Run on request only: `npm run bench -- --only paired-runners` (RESULTS.md, change 70).
 */
import { connect } from "@hakuriver/sdk"
import { cliPath, cluster, treeCpuMsOf } from "./lib/cluster.js"
import { round1 } from "./lib/stats.js"
import { warmUp } from "./lib/warmUp.js"

const RUNNERS = 4

/** One round: CPU per task of each runner, by pair. */
export interface PairedRound {
  readonly ours: ReadonlyArray<number>
  readonly paired: ReadonlyArray<number>
  /** Mean of the paired build's runners minus ours, in ms a task. */
  readonly difference: number
}

export interface PairedRunners {
  readonly pairedBuild: string
  readonly tasks: number
  readonly rounds: ReadonlyArray<PairedRound>
  /** The rounds' differences, averaged. */
  readonly meanDifference: number
}

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const round2 = (x: number) => Math.round(x * 100) / 100

const oneRound = async (pairedBuild: string, tasks: number, warmTasks: number): Promise<PairedRound> => {
  const nodes = await cluster("process", RUNNERS, 2, (i) => (i % 2 === 1 ? pairedBuild : cliPath))
  try {
    const client = connect({ url: nodes.url })
    await warmUp(client, warmTasks, "NULL", 16)
    const pids = nodes.runners.map((r) => r.child.pid ?? 0)
    const before = pids.map(treeCpuMsOf)
    const batch = await client.submitBatch(Array.from({ length: tasks }, () => ({ command: ["true"] })))
    const done = await client.wait(batch.taskIds)
    const ranOn = new Map<string, number>()
    for (const t of done) {
      if (t.status !== "completed") throw new Error(`a task ended ${t.status}: ${t.error}`)
      ranOn.set(String(t.node), (ranOn.get(String(t.node)) ?? 0) + 1)
    }
    // `cluster` names runner i `bench${i}`
    const perTask = pids.map((pid, i) => (treeCpuMsOf(pid) - before[i]!) / (ranOn.get(`bench${i}`) ?? 1))
    const ours = perTask.filter((_, i) => i % 2 === 0).map(round2)
    const paired = perTask.filter((_, i) => i % 2 === 1).map(round2)
    return { ours, paired, difference: round2(mean(paired) - mean(ours)) }
  } finally {
    await nodes.close()
  }
}

export const pairedRunners = async (
  rounds: number,
  tasks: number,
  warmTasks: number
): Promise<PairedRunners> => {
  const pairedBuild = process.env.BENCH_CLI_PAIR ?? cliPath
  console.log(
    `  runners 0, 2: ${cliPath}\n  runners 1, 3: ${pairedBuild}${pairedBuild === cliPath ? " (the same: an A/A run)" : ""}`
  )
  const results: Array<PairedRound> = []
  for (let r = 0; r < rounds; r++) {
    const round = await oneRound(pairedBuild, tasks, warmTasks)
    console.log(
      `  round ${r + 1}: CPU a task, runners 0, 2: ${round.ours.join(", ")} ms; runners 1, 3: ` +
        `${round.paired.join(", ")} ms; difference ${round.difference > 0 ? "+" : ""}${round.difference} ms ` +
        `(${round1((100 * round.difference) / mean(round.ours))} %)`
    )
    results.push(round)
  }
  const meanDifference = round2(mean(results.map((r) => r.difference)))
  console.log(
    `  mean difference over ${rounds} rounds: ${meanDifference > 0 ? "+" : ""}${meanDifference} ms a task`
  )
  return { pairedBuild, tasks, rounds: results, meanDifference }
}
