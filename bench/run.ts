/**
 * `npm run bench [-- --quick] [-- --only NAME,...]`: every benchmark prints its figures next to a
 * floor measured in the same run, and the whole run is written as JSON to bench/results/.
 * The last full run is kept as bench/results/full.json for comparison; every run ends with where
 * it stands against issue #7's targets, beside that run's figures (lib/standing.ts).
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { fileURLToPath } from "node:url"
import { dispatch } from "./dispatch.js"
import { openWaits } from "./openWaits.js"
import { footprint } from "./footprint.js"
import { hostScaleGrid, placementMicros } from "./hostScale.js"
import { opsPerTask } from "./opsPerTask.js"
import { pairedClusters, pairedRunners } from "./pairedBuilds.js"
import { placementRound } from "./placementRound.js"
import { cliPath, removeTempDirs } from "./lib/cluster.js"
import { failed, formatStanding, fromJson, standing } from "./lib/standing.js"
import { throughput } from "./throughput.js"
import { timeline } from "./timeline.js"

const args = process.argv.slice(2)
const quick = args.includes("--quick")
const onlyArg = args[args.indexOf("--only") + 1]
const only = args.includes("--only") && onlyArg ? new Set(onlyArg.split(",")) : undefined
const want = (name: string) => only === undefined || only.has(name)

const root = fileURLToPath(new URL("..", import.meta.url))
if (!existsSync(cliPath)) execFileSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit" })

const sizes = quick
  ? {
      dispatch: 30,
      warm: 100,
      clusterWarm: 200,
      warmBeats: 300,
      timeline: 20,
      ops: 50,
      throughput: 200,
      dockerThroughput: 40,
      scale: [[50, 1000]] as const,
      rounds: [
        [50, 1000],
        [50, 5000]
      ] as const,
      window: 5,
      footprint: 200,
      idleSeconds: 3,
      settleSeconds: 3
    }
  : {
      dispatch: 200,
      // tasks run before the latency and throughput samples (bench/lib/warmUp.ts); a cluster of
      // four runners gets more, each runner seeing a quarter of them
      warm: 2000,
      clusterWarm: 3000,
      warmBeats: 3000,
      timeline: 100,
      ops: 200,
      throughput: 1000,
      dockerThroughput: 200,
      scale: [
        [50, 1000],
        [500, 1000],
        [50, 10000],
        [500, 10000]
      ] as const,
      rounds: [
        [50, 1000],
        [50, 10000],
        [500, 3000],
        [500, 10000]
      ] as const,
      window: 15,
      footprint: 1000,
      idleSeconds: 30,
      settleSeconds: 120
    }

const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim()
  } catch {
    return "unknown"
  }
})()

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  commit,
  mode: quick ? "quick" : "full",
  machine: { cores: cpus().length, memoryGB: Math.round(totalmem() / 1e9), node: process.version }
}

const dir = fileURLToPath(new URL("./results/", import.meta.url))
/** The last full run, read before this run may replace it: the standing's "before". */
const before = existsSync(`${dir}full.json`)
  ? fromJson(JSON.parse(readFileSync(`${dir}full.json`, "utf8")) as Record<string, unknown>)
  : undefined

const section = async (name: string, f: () => Promise<unknown>) => {
  if (!want(name)) return
  console.log(`\n## ${name}`)
  const t0 = Date.now()
  try {
    results[name] = await f()
  } catch (e) {
    console.log(`  FAILED: ${e instanceof Error ? e.message : String(e)}`)
    results[name] = { error: String(e) }
  }
  console.log(`  (${Math.round((Date.now() - t0) / 1000)} s)`)
}

await section("ops-per-task", () => opsPerTask(sizes.ops))
await section("dispatch-process", () => dispatch("process", sizes.dispatch, sizes.warm))
// the same with host and runner as two processes, as in a cluster (`up` runs both on one event loop)
await section("dispatch-process-two", () => dispatch("process", sizes.dispatch, sizes.warm, "two processes"))
await section("timeline", () => timeline(sizes.timeline, sizes.warm))
await section("dispatch-docker", () => dispatch("docker", quick ? 20 : sizes.dispatch, sizes.warm))
await section("open-waits", () => openWaits(200, quick ? 200 : 500))
await section("throughput-process", () => throughput("process", sizes.throughput, sizes.clusterWarm))
await section("throughput-docker", () => throughput("docker", sizes.dockerThroughput, sizes.clusterWarm))
await section("placement", async () => {
  const rows = [10, 50, 100, 500].map((n) => ({ nodes: n, microsPerPlacement: placementMicros(n) }))
  for (const r of rows) console.log(`  ${r.nodes} nodes: ${r.microsPerPlacement} µs per placement (pure)`)
  const rounds = []
  for (const [nodes, queued] of sizes.rounds) {
    const r = await placementRound(nodes, queued)
    console.log(
      `  ${nodes} nodes, ${queued} queued (SQLite): ${r.fillMicrosPerTask} µs per task filling the nodes` +
        (r.refillMicros === null ? "" : `, ${r.refillMicros} µs from a task's end to the next placement`)
    )
    rounds.push(r)
  }
  return { pure: rows, rounds }
})
await section("host-scale", () =>
  hostScaleGrid(sizes.scale, { windowS: sizes.window, warmBeats: sizes.warmBeats })
)
// on request only (`--only paired-runners,paired-clusters`, with BENCH_CLI_PAIR): tools to compare
// two builds
const pairedTasks = quick ? 300 : 1000
if (only?.has("paired-runners") === true)
  await section("paired-runners", () => pairedRunners(quick ? 1 : 3, pairedTasks, sizes.clusterWarm))
if (only?.has("paired-clusters") === true)
  await section("paired-clusters", () => pairedClusters(quick ? 2 : 4, pairedTasks, sizes.clusterWarm))
await section("footprint", () => footprint(sizes.footprint, sizes.idleSeconds, sizes.settleSeconds))

removeTempDirs()
const rows = standing(fromJson(results), before)
console.log(`\n## where we stand${quick ? " (quick sizes: few samples, small grids)" : ""}`)
console.log(formatStanding(rows, before))
results.standing = rows
mkdirSync(dir, { recursive: true })
const file = `${dir}${quick ? "quick" : "full"}-latest.json`
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
if (!quick && only === undefined) writeFileSync(`${dir}full.json`, `${JSON.stringify(results, null, 2)}\n`)
console.log(`\nwrote ${file}`)
process.exit(Object.values(results).some(failed) ? 1 : 0)
