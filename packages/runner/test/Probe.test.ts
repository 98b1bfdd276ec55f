import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import fc from "fast-check"
import { formatCpuList, parseCpuList } from "../src/probe/cpuList.js"
import { memoryUsage, parseMeminfo } from "../src/probe/meminfo.js"
import { readNumaTopology } from "../src/probe/numaTopology.js"
import { parseNvidiaSmi } from "../src/probe/nvidiaSmi.js"
import * as Probe from "../src/probe/Probe.js"
import { scopedTempDir } from "../../../test/kit/index.js"
import { cpuPercent, parseProcStat } from "../src/probe/procStat.js"
import { readTemperatures } from "../src/probe/temperatures.js"

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url))
const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8")

describe("cpu lists", () => {
  it("parses ranges and single cpus", () => {
    expect(Either.getOrThrow(parseCpuList("0-3,8-11\n"))).toEqual([0, 1, 2, 3, 8, 9, 10, 11])
    expect(Either.getOrThrow(parseCpuList("5"))).toEqual([5])
    expect(Either.getOrThrow(parseCpuList("\n"))).toEqual([])
    expect(Either.isLeft(parseCpuList("3-1"))).toBe(true)
    expect(Either.isLeft(parseCpuList("a-b"))).toBe(true)
  })

  it("formats and parses back any set of cpus", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(256), { maxLength: 64 }), (cpus) => {
        const sorted = [...cpus].sort((a, b) => a - b)
        expect(Either.getOrThrow(parseCpuList(formatCpuList(cpus)))).toEqual(sorted)
      })
    )
    expect(formatCpuList([0, 1, 2, 3, 8, 10, 11])).toBe("0-3,8,10-11")
  })
})

describe("nvidia-smi", () => {
  it("parses a recorded 4-GPU output", () => {
    const gpus = parseNvidiaSmi(fixture("nvidia-smi/a100x4.csv"))
    expect(gpus).toHaveLength(4)
    expect({ ...gpus[0] }).toEqual({
      index: 0,
      name: "NVIDIA A100-SXM4-80GB",
      uuid: "GPU-3f1b2c4d-6e7f-8a9b-0c1d-2e3f4a5b6c7d",
      memoryTotalMiB: 81920,
      memoryUsedMiB: 45211,
      utilizationPercent: 98,
      temperatureC: 67,
      powerDrawW: 312.47
    })
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3])
  })

  it("parses the output recorded on a real H200 (driver 580.159.04, scripts/device/gpu-check.sh)", () => {
    expect(parseNvidiaSmi(fixture("nvidia-smi/h200-driver580.csv")).map((g) => ({ ...g }))).toEqual([
      {
        index: 0,
        name: "NVIDIA H200",
        uuid: "GPU-47b66715-677a-48a0-35ce-2925f9a68825",
        memoryTotalMiB: 143771,
        memoryUsedMiB: 0,
        utilizationPercent: 0,
        temperatureC: 36,
        powerDrawW: 78.27
      }
    ])
  })

  it("leaves [N/A] and [Not Supported] fields absent", () => {
    const [gtx, k80] = parseNvidiaSmi(fixture("nvidia-smi/geforce-na.csv"))
    expect({ ...gtx }).toEqual({
      index: 0,
      name: "NVIDIA GeForce GTX 1080 Ti",
      uuid: "GPU-d6b9f0a1-2233-4455-6677-8899aabbccdd",
      memoryTotalMiB: 11264,
      memoryUsedMiB: 1180,
      temperatureC: 48
    })
    expect(k80?.temperatureC).toBeUndefined()
    expect(k80?.utilizationPercent).toBe(0)
  })

  it("finds no GPUs in a driver error or in nothing", () => {
    expect(parseNvidiaSmi(fixture("nvidia-smi/driver-error.txt"))).toEqual([])
    expect(parseNvidiaSmi("")).toEqual([])
  })

  it.live("a missing nvidia-smi means no GPUs, not an error", () =>
    Effect.gen(function* () {
      expect(yield* Probe.queryGpus("/nonexistent/nvidia-smi")).toEqual([])
    })
  )
})

describe("proc and sys files", () => {
  it("reads CPU times and computes CPU % from two samples", () => {
    const before = parseProcStat(fixture("proc/stat"))
    expect(before).toEqual({ idle: 3699176 + 23, total: 4705 + 356 + 584 + 3699176 + 23 + 23 })
    const after = { idle: before!.idle + 300, total: before!.total + 400 }
    expect(cpuPercent(before!, after)).toBe(25)
    expect(cpuPercent(before!, before!)).toBe(0)
    expect(parseProcStat("intr 1 2 3")).toBeUndefined()
  })

  it("reads meminfo in bytes", () => {
    const info = parseMeminfo(fixture("proc/meminfo"))
    expect(info.get("MemTotal")).toBe(16311788 * 1024)
    expect(info.get("HugePages_Total")).toBe(0)
    expect(memoryUsage(info)).toEqual({
      totalBytes: 16311788 * 1024,
      usedBytes: (16311788 - 12901004) * 1024
    })
    expect(memoryUsage(new Map())).toBeUndefined()
  })

  it("reads the NUMA topology", () => {
    const nodes = readNumaTopology(path.join(fixtures, "sys/devices/system/node"))
    expect(nodes.map((n) => ({ ...n, cpus: [...n.cpus] }))).toEqual([
      { id: 0, cpus: [0, 1, 2, 3, 8, 9, 10, 11], memoryBytes: 32856252 * 1024 },
      { id: 1, cpus: [4, 5, 6, 7, 12, 13, 14, 15], memoryBytes: 33021928 * 1024 }
    ])
    expect(readNumaTopology(path.join(fixtures, "no-such-dir"))).toEqual([])
  })

  it("reads thermal zones and hwmon sensors", () => {
    const temps = readTemperatures(path.join(fixtures, "sys/class")).map((t) => ({ ...t }))
    expect(temps).toEqual([
      { label: "x86_pkg_temp", celsius: 54 },
      { label: "acpitz", celsius: 27.8 },
      { label: "coretemp Package id 0", celsius: 55 },
      { label: "coretemp Core 0", celsius: 52 },
      { label: "nvme temp1", celsius: 38.85 }
    ])
    expect(readTemperatures(path.join(fixtures, "no-such-dir"))).toEqual([])
  })
})

describe("Probe", () => {
  it("honours max_cores and max_memory", () => {
    expect(Probe.offeredCores(16, 0)).toBe(16)
    expect(Probe.offeredCores(16, 4)).toBe(4)
    expect(Probe.offeredCores(2, 4)).toBe(2)
    expect(Either.getOrThrow(Probe.offeredMemory(8e9, 0))).toBe(8e9)
    expect(Either.getOrThrow(Probe.offeredMemory(8e9, "4G"))).toBe(4e9)
    expect(Either.getOrThrow(Probe.offeredMemory(8e9, 2_000_000))).toBe(2_000_000)
    expect(Either.getOrThrow(Probe.offeredMemory(8e9, "64G"))).toBe(8e9)
    expect(Either.isLeft(Probe.offeredMemory(8e9, "lots"))).toBe(true)
  })

  it.live("probes recorded trees and samples usage from /proc deltas", () =>
    Effect.gen(function* () {
      const proc = yield* scopedTempDir("proc")
      fs.writeFileSync(path.join(proc, "stat"), "cpu  100 0 100 800 0 0 0 0 0 0\n")
      fs.copyFileSync(path.join(fixtures, "proc/meminfo"), path.join(proc, "meminfo"))
      const probe = yield* Probe.make({
        maxCores: 1,
        maxMemory: "1G",
        procRoot: proc,
        nodeRoot: path.join(fixtures, "sys/devices/system/node"),
        classRoot: path.join(fixtures, "sys/class"),
        nvidiaSmi: "/nonexistent/nvidia-smi"
      })
      expect(probe.resources).toMatchObject({ cores: 1, memoryBytes: 1e9, gpus: [] })
      expect(probe.resources.numa).toHaveLength(2)
      // 300 more busy ticks out of 400: 75 %.
      fs.writeFileSync(path.join(proc, "stat"), "cpu  300 0 200 900 0 0 0 0 0 0\n")
      const usage = yield* probe.usage
      expect(usage.cpuPercent).toBe(75)
      expect(usage.memoryUsedBytes).toBe((16311788 - 12901004) * 1024)
      expect(usage.memoryPercent).toBe(20.9)
      expect(usage.temperatures).toHaveLength(5)
      expect(usage.gpus).toEqual([])
    }).pipe(Effect.scoped)
  )

  it.live("probes this machine", () =>
    Effect.gen(function* () {
      const probe = yield* Probe.make({ maxCores: 0, maxMemory: 0 })
      expect(probe.resources.cores).toBeGreaterThan(0)
      expect(probe.resources.memoryBytes).toBeGreaterThan(0)
      const usage = yield* probe.usage
      expect(usage.cpuPercent).toBeGreaterThanOrEqual(0)
      expect(usage.cpuPercent).toBeLessThanOrEqual(100)
    })
  )
})
