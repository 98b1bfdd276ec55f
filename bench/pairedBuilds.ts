/**
 * Two builds compared side by side, where two runs one after the other cannot tell them apart
 * (the machine's drift between runs is ±1 ms of CPU a task here). The other build is
 * `BENCH_CLI_PAIR=PATH/hakuriver.js` (e.g. a copy of `packages/cli/dist` made before a change);
 * without it both sides run the bench's own build: an A/A run, whose difference is the method's
 * own spread. Run on request only (`npm run bench -- --only paired-runners,paired-clusters`;
 * RESULTS.md, change 70).
 *
 * - `paired-runners`: one cluster, four runners; runners 1 and 3 run the other build. Both pairs
 *   take tasks from the same queue at the same moments.
 * - `paired-clusters`: two clusters at once, each a host and four runners of one build, each fed
 *   the same batch at the same time; which one starts first, on which addresses, swaps every
 *   round (an even number of them). This one also compares hosts.
 *
 * Each round starts fresh processes, warms them (`lib/warmUp.ts`), then sends one batch; a
 * process's CPU (with its spawn helper's, from `/proc`) is divided by the tasks it handled.
 */
import { connect, type PromiseClient } from "@hakuriver/sdk"
import { type Cluster, cliPath, cluster, treeCpuMsOf } from "./lib/cluster.js"
import { mean, round1, round2 } from "./lib/stats.js"
import { warmUp } from "./lib/warmUp.js"

const RUNNERS = 4
const SLOTS = 2

/** One side of a round: CPU per task, in ms. */
export interface Side {
  readonly host?: number
  readonly runners: ReadonlyArray<number>
}

/** One round: our build's side, the paired build's side, and paired − ours (runners' mean). */
export interface PairedRound {
  readonly ours: Side
  readonly paired: Side
  readonly runnerDifference: number
  readonly hostDifference?: number
}

export interface Paired {
  readonly pairedBuild: string
  readonly tasks: number
  readonly rounds: ReadonlyArray<PairedRound>
  readonly meanRunnerDifference: number
  readonly meanHostDifference?: number
}

const signed = (x: number) => `${x > 0 ? "+" : ""}${x}`

/**
 * Sends one batch of `tasks` and returns, per runner (`bench${i}`), its CPU per task it ran, and
 * the host's CPU per task.
 */
const measureBatch = async (nodes: Cluster, client: PromiseClient, tasks: number) => {
  const runnerPids = nodes.runners.map((r) => r.child.pid ?? 0)
  const hostPid = nodes.host.child.pid ?? 0
  const before = { host: treeCpuMsOf(hostPid), runners: runnerPids.map(treeCpuMsOf) }
  const batch = await client.submitBatch(Array.from({ length: tasks }, () => ({ command: ["true"] })))
  const done = await client.wait(batch.taskIds)
  const ranOn = new Map<string, number>()
  for (const t of done) {
    if (t.status !== "completed") throw new Error(`a task ended ${t.status}: ${t.error}`)
    ranOn.set(String(t.node), (ranOn.get(String(t.node)) ?? 0) + 1)
  }
  return {
    host: round2((treeCpuMsOf(hostPid) - before.host) / tasks),
    // `cluster` names runner i `bench${i}`
    runners: runnerPids.map((pid, i) =>
      round2((treeCpuMsOf(pid) - before.runners[i]!) / (ranOn.get(`bench${i}`) ?? 1))
    )
  }
}

const pairedBuildOf = () => {
  const pairedBuild = process.env.BENCH_CLI_PAIR ?? cliPath
  console.log(`  ours: ${cliPath}`)
  console.log(`  paired: ${pairedBuild}${pairedBuild === cliPath ? " (the same: an A/A run)" : ""}`)
  return pairedBuild
}

const report = (rounds: ReadonlyArray<PairedRound>, pairedBuild: string, tasks: number): Paired => {
  const meanRunnerDifference = round2(mean(rounds.map((r) => r.runnerDifference)))
  const hosts = rounds.flatMap((r) => (r.hostDifference === undefined ? [] : [r.hostDifference]))
  const meanHostDifference = hosts.length === 0 ? undefined : round2(mean(hosts))
  console.log(
    `  mean over ${rounds.length} rounds, paired − ours: runners ${signed(meanRunnerDifference)} ms a task` +
      (meanHostDifference === undefined ? "" : `, host ${signed(meanHostDifference)} ms a task`)
  )
  return {
    pairedBuild,
    tasks,
    rounds,
    meanRunnerDifference,
    ...(meanHostDifference === undefined ? {} : { meanHostDifference })
  }
}

const describeRound = (r: number, round: PairedRound) =>
  console.log(
    `  round ${r + 1}: CPU a task, ours: ${round.ours.host === undefined ? "" : `host ${round.ours.host}, `}` +
      `runners ${round.ours.runners.join(", ")} ms; paired: ` +
      `${round.paired.host === undefined ? "" : `host ${round.paired.host}, `}runners ${round.paired.runners.join(", ")} ms; ` +
      `runners ${signed(round.runnerDifference)} ms (${round1((100 * round.runnerDifference) / mean(round.ours.runners))} %)` +
      (round.hostDifference === undefined ? "" : `, host ${signed(round.hostDifference)} ms`)
  )

/** Runners 1 and 3 of one cluster on the paired build. */
export const pairedRunners = async (rounds: number, tasks: number, warmTasks: number): Promise<Paired> => {
  const pairedBuild = pairedBuildOf()
  const results: Array<PairedRound> = []
  for (let r = 0; r < rounds; r++) {
    const nodes = await cluster("process", RUNNERS, SLOTS, {
      runner: (i) => (i % 2 === 1 ? pairedBuild : cliPath)
    })
    try {
      const client = connect({ url: nodes.url })
      await warmUp(client, warmTasks, "NULL", 16)
      const { runners } = await measureBatch(nodes, client, tasks)
      const ours = { runners: runners.filter((_, i) => i % 2 === 0) }
      const paired = { runners: runners.filter((_, i) => i % 2 === 1) }
      const round = { ours, paired, runnerDifference: round2(mean(paired.runners) - mean(ours.runners)) }
      describeRound(r, round)
      results.push(round)
    } finally {
      await nodes.close()
    }
  }
  return report(results, pairedBuild, tasks)
}

/** Two clusters at once, one of each build, fed the same batch at the same time. */
export const pairedClusters = async (rounds: number, tasks: number, warmTasks: number): Promise<Paired> => {
  const pairedBuild = pairedBuildOf()
  const results: Array<PairedRound> = []
  for (let r = 0; r < rounds; r++) {
    // every round swaps which cluster starts first, takes 127.0.0.2–5 (the other 127.0.0.6–9) and
    // gets its batch first: an A/A run showed the second cluster 1–5 % cheaper when it was always
    // the same one
    const swap = r % 2 === 1
    const start = (build: string, firstAddress: number) =>
      cluster("process", RUNNERS, SLOTS, { host: build, runner: () => build, firstAddress })
    const first = await start(swap ? pairedBuild : cliPath, 2)
    try {
      const second = await start(swap ? cliPath : pairedBuild, 2 + RUNNERS)
      try {
        const clients = [connect({ url: first.url }), connect({ url: second.url })] as const
        await Promise.all(clients.map((c) => warmUp(c, warmTasks, "NULL", 16)))
        const [x, y] = await Promise.all([
          measureBatch(first, clients[0], tasks),
          measureBatch(second, clients[1], tasks)
        ])
        const [a, b] = swap ? [y, x] : [x, y]
        const round = {
          ours: a,
          paired: b,
          runnerDifference: round2(mean(b.runners) - mean(a.runners)),
          hostDifference: round2(b.host - a.host)
        }
        describeRound(r, round)
        results.push(round)
      } finally {
        await second.close()
      }
    } finally {
      await first.close()
    }
  }
  return report(results, pairedBuild, tasks)
}
