/**
 * Where a section's CPU goes, machine-wide (Linux `/proc`): the whole machine's busy time, the
 * Docker engine's daemons, and our host and runners. On a machine whose cores a section keeps
 * busy, a throughput ratio is the ratio of CPU per task, so this tells what a gap is made of.
 */
import { readdirSync, readFileSync } from "node:fs"
import { cpuMsOf, treeCpuMsOf } from "./cluster.js"
import { round1 } from "./stats.js"

/** Busy CPU time of the whole machine (all cores, idle and I/O wait left out), in milliseconds. */
const machineMs = (): number => {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/) ?? []
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields.map(Number)
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100
}

/** The engine's long-lived daemons (its per-container shims come and go: only the machine counts them). */
const engineNames = new Set(["dockerd", "containerd"])

const engineMs = (): number => {
  let sum = 0
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (engineNames.has(readFileSync(`/proc/${entry}/comm`, "utf8").trim())) sum += cpuMsOf(Number(entry))
    } catch {
      // the process ended meanwhile
    }
  }
  return sum
}

/** CPU per task of one phase, in milliseconds. */
export interface CpuPerTask {
  readonly machine: number
  readonly engine: number
  /** Our host; absent for a floor. */
  readonly host?: number
  /** Our runners, each with its spawn helper; absent for a floor. */
  readonly runners?: number
}

interface Reading {
  readonly machine: number
  readonly engine: number
  readonly host: number
  readonly runners: number
}

const read = (host: number | undefined, runners: ReadonlyArray<number>): Reading => ({
  machine: machineMs(),
  engine: engineMs(),
  host: host === undefined ? 0 : treeCpuMsOf(host),
  runners: runners.reduce((sum, pid) => sum + treeCpuMsOf(pid), 0)
})

/**
 * Accumulates the CPU of the phases it measures, per task: `measure(n, phase)` runs a phase of
 * `n` tasks and adds its CPU; `perTask()` divides the sums by the tasks. Without `ours` (a floor),
 * only the machine and the engine are read.
 */
export const cpuMeter = (ours?: { readonly host: number; readonly runners: ReadonlyArray<number> }) => {
  let tasks = 0
  const sum = { machine: 0, engine: 0, host: 0, runners: 0 }
  return {
    measure: async <A>(n: number, phase: () => Promise<A>): Promise<A> => {
      const before = read(ours?.host, ours?.runners ?? [])
      const result = await phase()
      const after = read(ours?.host, ours?.runners ?? [])
      tasks += n
      for (const key of ["machine", "engine", "host", "runners"] as const)
        sum[key] += after[key] - before[key]
      return result
    },
    perTask: (): CpuPerTask => ({
      machine: round1(sum.machine / tasks),
      engine: round1(sum.engine / tasks),
      ...(ours === undefined ? {} : { host: round1(sum.host / tasks), runners: round1(sum.runners / tasks) })
    })
  }
}
