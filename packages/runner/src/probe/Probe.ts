/**
 * What this machine offers and how busy it is: cores, memory, NUMA topology and GPUs at start
 * (honouring `[runner] max_cores` / `max_memory`), and a usage sample for every heartbeat (CPU %
 * from `/proc/stat` deltas, memory from `/proc/meminfo`, temperatures, GPU stats).
 *
 * @since 0.1.0
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  type GpuInfo,
  type HakuRiverConfig,
  type InvalidInput,
  NodeUsage,
  type NumaNode,
  parseMemory
} from "@hakuriver/sdk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { memoryUsage, parseMeminfo } from "./meminfo.js"
import { defaultNodeRoot, readNumaTopology } from "./numaTopology.js"
import { nvidiaSmiArgs, parseNvidiaSmi } from "./nvidiaSmi.js"
import { type CpuTimes, cpuPercent, parseProcStat } from "./procStat.js"
import { defaultClassRoot, readTemperatures } from "./temperatures.js"

/**
 * Where and how to probe. The roots exist so tests can point the probe at recorded trees.
 * @category models
 */
export interface ProbeOptions {
  /** Cores to offer; 0 = all. */
  readonly maxCores: number
  /** Memory to offer, bytes or a size such as `"4G"`; 0 or `""` = all. */
  readonly maxMemory: number | string
  readonly nodeRoot?: string | undefined
  readonly classRoot?: string | undefined
  readonly procRoot?: string | undefined
  /** The `nvidia-smi` program; default `nvidia-smi` from PATH. */
  readonly nvidiaSmi?: string | undefined
}

/**
 * The resources a runner registers with.
 * @category models
 */
export interface Resources {
  readonly cores: number
  readonly memoryBytes: number
  readonly numa: ReadonlyArray<NumaNode>
  readonly gpus: ReadonlyArray<GpuInfo>
}

/**
 * The probe service.
 * @category tags
 */
export class Probe extends Context.Tag("@hakuriver/runner/Probe")<
  Probe,
  {
    /** Probed once, when the service is built. */
    readonly resources: Resources
    /** A fresh usage sample; CPU % covers the time since the previous sample. */
    readonly usage: Effect.Effect<NodeUsage>
  }
>() {}

const readText = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

/** Offered memory: `max` bytes or size, capped at the machine's memory; 0 / "" / "0" = all. */
export const offeredMemory = (total: number, max: number | string): Either.Either<number, InvalidInput> => {
  if (typeof max === "number") return Either.right(max > 0 ? Math.min(max, total) : total)
  if (max.trim() === "" || max.trim() === "0") return Either.right(total)
  return Either.map(parseMemory(max), (bytes) => (bytes > 0 ? Math.min(bytes, total) : total))
}

/** Offered cores: `max` capped at the machine's cores; 0 = all. */
export const offeredCores = (total: number, max: number): number => (max > 0 ? Math.min(max, total) : total)

/**
 * Runs `nvidia-smi` and parses its GPUs; no `nvidia-smi`, a driver error or a timeout mean no
 * GPUs, never a failure.
 * @category probing
 */
export const queryGpus = (program = "nvidia-smi"): Effect.Effect<ReadonlyArray<GpuInfo>> =>
  Effect.async<ReadonlyArray<GpuInfo>>((resume) => {
    const child = execFile(
      program,
      [...nvidiaSmiArgs],
      { timeout: 10_000, windowsHide: true },
      (error, stdout) => {
        resume(Effect.succeed(error === null ? parseNvidiaSmi(stdout) : []))
      }
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  }).pipe(Effect.withSpan("Probe.queryGpus"))

const cpuTimesFromOs = (): CpuTimes => {
  let idle = 0
  let total = 0
  for (const cpu of os.cpus()) {
    const t = cpu.times
    idle += t.idle
    total += t.user + t.nice + t.sys + t.idle + t.irq
  }
  return { idle, total }
}

/**
 * Builds the probe.
 * @category constructors
 */
export const make = (options: ProbeOptions) =>
  Effect.gen(function* () {
    const procRoot = options.procRoot ?? "/proc"
    const nodeRoot = options.nodeRoot ?? defaultNodeRoot
    const classRoot = options.classRoot ?? defaultClassRoot
    const program = options.nvidiaSmi ?? "nvidia-smi"
    const cpuTimes = () => parseProcStat(readText(path.join(procRoot, "stat")) ?? "") ?? cpuTimesFromOs()
    const memory = () => {
      const fromProc = memoryUsage(parseMeminfo(readText(path.join(procRoot, "meminfo")) ?? ""))
      return fromProc ?? { totalBytes: os.totalmem(), usedBytes: os.totalmem() - os.freemem() }
    }

    const machineCores = os.availableParallelism?.() ?? os.cpus().length
    const memoryBytes = yield* offeredMemory(memory().totalBytes, options.maxMemory)
    const gpus = yield* queryGpus(program)
    const resources: Resources = {
      cores: offeredCores(Math.max(1, machineCores), options.maxCores),
      memoryBytes,
      numa: readNumaTopology(nodeRoot),
      gpus
    }

    const previous = yield* Ref.make(cpuTimes())
    const usage = Effect.gen(function* () {
      const now = cpuTimes()
      const before = yield* Ref.getAndSet(previous, now)
      const mem = memory()
      return new NodeUsage({
        cpuPercent: Math.round(cpuPercent(before, now) * 10) / 10,
        memoryUsedBytes: mem.usedBytes,
        memoryPercent: mem.totalBytes > 0 ? Math.round((1000 * mem.usedBytes) / mem.totalBytes) / 10 : 0,
        temperatures: [...readTemperatures(classRoot)],
        gpus: resources.gpus.length > 0 ? [...(yield* queryGpus(program))] : []
      })
    }).pipe(Effect.withSpan("Probe.usage"))

    return Probe.of({ resources, usage })
  }).pipe(Effect.withSpan("Probe.make"))

/**
 * The probe of this machine, with the limits of `[runner]`.
 * @category layers
 */
export const layer = (config: HakuRiverConfig): Layer.Layer<Probe, InvalidInput> =>
  Layer.effect(Probe, make({ maxCores: config.runner.max_cores, maxMemory: config.runner.max_memory }))
