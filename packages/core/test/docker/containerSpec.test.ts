import { describe, expect, it } from "@effect/vitest"
import type { EnvName } from "../../src/domain/index.js"
import { containerSpec, nanoCpus } from "../../src/executor/docker/containerSpec.js"
import type { ExecRequest } from "../../src/executor/index.js"
import { makeTask } from "./dockerKit.js"

const env = "torch" as EnvName
const request = (extra: Partial<Record<string, unknown>>, cpuset?: ExecRequest["cpuset"]): ExecRequest => ({
  task: makeTask(["python", "train.py", "--lr", "0.1 0.2"], { container: env, ...extra }),
  logs: { stdout: "/s/task_outputs/1.out", stderr: "/s/task_outputs/1.err" },
  sharedDir: "/s",
  localTempDir: "/t",
  cpuset
})
const settings = { network: "host", additionalMounts: ["/data:/data:ro"], node: "n1" }

describe("containerSpec", () => {
  it("runs the command as an argument array in hakuriver/ENV:base, workdir /shared", () => {
    const spec = containerSpec(request({}), env, settings)
    expect(spec.Image).toBe("hakuriver/torch:base")
    expect(spec.Cmd).toEqual(["python", "train.py", "--lr", "0.1 0.2"])
    expect(spec.WorkingDir).toBe("/shared")
    expect(spec.Labels).toMatchObject({
      "hakuriver.managed": "true",
      "hakuriver.node": "n1",
      "hakuriver.env": "torch"
    })
    expect(spec.HostConfig?.NetworkMode).toBe("host")
    expect(spec.HostConfig?.Privileged).toBe(false)
  })

  it("limits: NanoCpus from cores, Memory = MemorySwap in exact bytes, none when unset", () => {
    const limited = containerSpec(request({ cores: 2.5, memoryBytes: 512_000_000 }), env, settings).HostConfig
    expect(limited?.NanoCpus).toBe(2_500_000_000)
    expect(limited?.Memory).toBe(512_000_000)
    expect(limited?.MemorySwap).toBe(512_000_000)
    const open = containerSpec(request({}), env, settings).HostConfig
    expect(open?.Memory).toBeUndefined()
    expect(open?.MemorySwap).toBeUndefined()
    expect(nanoCpus(0.01)).toBe(10_000_000)
  })

  it("GPU ids become one nvidia DeviceRequest; a NUMA cpuset becomes CpusetCpus/CpusetMems", () => {
    const spec = containerSpec(
      request({ gpus: [0, 2], numaNode: 1 }, { cpus: [8, 9, 10], mems: [1] }),
      env,
      settings
    )
    expect(spec.HostConfig?.DeviceRequests).toEqual([
      { Driver: "nvidia", DeviceIDs: ["0", "2"], Capabilities: [["gpu"]] }
    ])
    expect(spec.HostConfig?.CpusetCpus).toBe("8,9,10")
    expect(spec.HostConfig?.CpusetMems).toBe("1")
    expect(spec.Env).toContain("HAKURIVER_TARGET_NUMA_NODE=1")
    const none = containerSpec(request({}), env, settings).HostConfig
    expect(none?.DeviceRequests).toBeUndefined()
    expect(none?.CpusetCpus).toBeUndefined()
  })

  it("mounts: shared and temp dirs always; task mounts replace the configured ones", () => {
    expect(containerSpec(request({}), env, settings).HostConfig?.Binds).toEqual([
      "/s:/shared",
      "/t:/local_temp",
      "/data:/data:ro"
    ])
    expect(containerSpec(request({ mounts: ["/x:/y"] }), env, settings).HostConfig?.Binds).toEqual([
      "/s:/shared",
      "/t:/local_temp",
      "/x:/y"
    ])
  })

  it("env: the task's variables, then HAKURIVER_* which the task cannot override", () => {
    const spec = containerSpec(
      request({ env: { A: "1", HAKURIVER_SHARED_DIR: "/elsewhere" } }),
      env,
      settings
    )
    expect(spec.Env).toContain("A=1")
    expect(spec.Env).toContain("HAKURIVER_SHARED_DIR=/shared")
    expect(spec.Env).toContain("HAKURIVER_LOCAL_TEMP_DIR=/local_temp")
    expect(spec.Env).not.toContain("HAKURIVER_SHARED_DIR=/elsewhere")
  })

  it("privileged and network come from the task and the settings", () => {
    const spec = containerSpec(request({ privileged: true }), env, { ...settings, network: "bridge" })
    expect(spec.HostConfig?.Privileged).toBe(true)
    expect(spec.HostConfig?.NetworkMode).toBe("bridge")
  })
})
