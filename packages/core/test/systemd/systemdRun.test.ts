import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import type { Task } from "../../src/domain/index.js"
import type { ExecRequest } from "../../src/executor/index.js"
import { SystemdExecutor } from "../../src/executor/index.js"
import { findExecutable } from "../../src/executor/systemd/findExecutable.js"
import { parseShow, parseTaskUnits } from "../../src/executor/systemd/systemctlOutput.js"
import {
  cpuQuota,
  listArgs,
  runArgs,
  showArgs,
  signalArgs,
  stopArgs,
  taskIdOfUnit,
  unitName
} from "../../src/executor/systemd/systemdRun.js"
import { makeTask } from "../../../../test/kit/index.js"

/** The task the argv tests share: a fixed id and time, and a command full of shell metacharacters. */
const trainTask = (extra: Partial<Record<string, unknown>> = {}) =>
  makeTask(["python3", "train.py", "--lr", "0.1; rm -rf /"], {
    taskId: "1732550000123000",
    submittedAt: "2026-11-25T18:00:00.000Z",
    ...extra
  })

const request = (task: Task): ExecRequest => ({
  task,
  logs: {
    stdout: `/shared/task_outputs/${task.taskId}.out`,
    stderr: `/shared/task_outputs/${task.taskId}.err`
  },
  sharedDir: "/shared",
  localTempDir: "/local/tmp"
})

const options = { sudo: false, numactl: "/usr/bin/numactl", stopTimeoutSeconds: 10 }

/** The values of every `flag VALUE` pair of an argument array. */
const valuesOf = (argv: ReadonlyArray<string>, flag: string) =>
  argv.flatMap((a, i) => (a === flag && argv[i + 1] !== undefined ? [argv[i + 1]] : []))

describe("systemd-run arguments", () => {
  it("starts a scope named after the task with the CPU quota, memory limit and no swap", () => {
    const argv = runArgs(request(trainTask({ cores: 2, memoryBytes: 100_000_000 })), options)
    const dash = argv.indexOf("--")
    expect(argv.slice(0, 5)).toEqual([
      "systemd-run",
      "--quiet",
      "--scope",
      "--unit",
      "hakuriver-task-1732550000123000.scope"
    ])
    expect(valuesOf(argv.slice(0, dash), "-p")).toEqual([
      "CPUQuota=200%",
      "MemoryMax=100000000",
      "MemorySwapMax=0",
      "TimeoutStopSec=10"
    ])
    // the command follows `--` untouched, element by element: no shell, no quoting
    expect(argv.slice(dash + 1)).toEqual(["python3", "train.py", "--lr", "0.1; rm -rf /"])
  })

  it("passes any command through as separate arguments after --", () => {
    const arg = fc.string({ maxLength: 20 }).filter((a) => !a.includes("\0"))
    fc.assert(
      fc.property(
        fc.array(arg, { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(7), { nil: null }),
        (command, numa) => {
          const argv = runArgs(request(trainTask({ command, numaNode: numa })), options)
          const tail = argv.slice(argv.indexOf("--") + 1)
          expect(tail.slice(numa === null ? 0 : 3)).toEqual(command)
        }
      )
    )
  })

  it("sets no memory limit when the task has none", () => {
    const argv = runArgs(request(trainTask()), options)
    expect(argv.some((a) => a.startsWith("MemoryMax=") || a.startsWith("MemorySwapMax="))).toBe(false)
    expect(argv).toContain("CPUQuota=100%")
  })

  it("passes the task's variables and the HAKURIVER_* ones with --setenv", () => {
    const argv = runArgs(
      request(trainTask({ env: { FOO: "a b=c", HAKURIVER_TASK_ID: "spoofed" }, numaNode: 1 })),
      options
    )
    const dash = argv.indexOf("--")
    expect(valuesOf(argv.slice(0, dash), "--setenv")).toEqual([
      "FOO=a b=c",
      "HAKURIVER_LOCAL_TEMP_DIR=/local/tmp",
      "HAKURIVER_SHARED_DIR=/shared",
      "HAKURIVER_TARGET_NUMA_NODE=1",
      "HAKURIVER_TASK_ID=1732550000123000"
    ])
  })

  it("wraps a NUMA-targeted command in numactl, binding CPUs and memory to the node", () => {
    const argv = runArgs(request(trainTask({ numaNode: 1 })), options)
    expect(argv.slice(argv.indexOf("--") + 1)).toEqual([
      "/usr/bin/numactl",
      "--cpunodebind=1",
      "--membind=1",
      "python3",
      "train.py",
      "--lr",
      "0.1; rm -rf /"
    ])
    const plain = runArgs(request(trainTask()), options)
    expect(plain).not.toContain("/usr/bin/numactl")
    expect(valuesOf(plain, "--setenv")).toContain("HAKURIVER_TARGET_NUMA_NODE=")
  })

  it("goes through sudo -n when not root, for systemd-run and systemctl alike", () => {
    const sudo = { sudo: true }
    expect(runArgs(request(trainTask()), { ...options, sudo: true }).slice(0, 3)).toEqual([
      "sudo",
      "-n",
      "systemd-run"
    ])
    expect(signalArgs(sudo, "u.scope", "SIGSTOP")).toEqual([
      "sudo",
      "-n",
      "systemctl",
      "kill",
      "--signal=SIGSTOP",
      "u.scope"
    ])
    expect(stopArgs(sudo, "u.scope")).toEqual(["sudo", "-n", "systemctl", "stop", "u.scope"])
    expect(showArgs({ sudo: false }, "u.scope", ["Result"])).toEqual([
      "systemctl",
      "show",
      "u.scope",
      "-p",
      "Result"
    ])
    expect(listArgs({ sudo: false })).toContain("hakuriver-task-*.scope")
  })

  it("turns cores into a CPU quota of 100% per core, fractions included", () => {
    expect(cpuQuota(1)).toBe("100%")
    expect(cpuQuota(0.5)).toBe("50%")
    expect(cpuQuota(0.01)).toBe("1%")
    expect(cpuQuota(1.25)).toBe("125%")
    expect(cpuQuota(0.07)).toBe("7%") // 0.07 * 100 is 7.000000000000001 in floating point
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 409_600 }), (hundredths) => {
        expect(cpuQuota(hundredths / 100)).toBe(`${hundredths}%`)
      })
    )
  })

  it("round-trips task ids through unit names and ignores other units", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,20}$/), (id) => {
        expect(taskIdOfUnit(unitName(id))).toBe(id)
      })
    )
    expect(taskIdOfUnit("hakuriver-task-12.service")).toBeUndefined()
    expect(taskIdOfUnit("hakuriver-task-../x.scope")).toBeUndefined()
    expect(taskIdOfUnit("session-1.scope")).toBeUndefined()
  })
})

describe("systemctl output", () => {
  it("parses show properties, keeping '=' inside values", () => {
    const props = parseShow(
      "Result=oom-kill\nActiveState=failed\nExecStart={ path=/bin/x ; argv[]=/bin/x a=b }\n\n"
    )
    expect(props.get("Result")).toBe("oom-kill")
    expect(props.get("ActiveState")).toBe("failed")
    expect(props.get("ExecStart")).toBe("{ path=/bin/x ; argv[]=/bin/x a=b }")
  })

  it("finds the task scopes in list-units output", () => {
    const text = [
      "hakuriver-task-17.scope loaded active running hakuriver-task-17.scope",
      "● hakuriver-task-18.scope loaded failed failed hakuriver-task-18.scope",
      "session-3.scope loaded active running Session 3 of user root",
      ""
    ].join("\n")
    expect(parseTaskUnits(text)).toEqual([
      { unit: "hakuriver-task-17.scope", taskId: "17" },
      { unit: "hakuriver-task-18.scope", taskId: "18" }
    ])
    expect(parseTaskUnits("")).toEqual([])
  })
})

describe("SystemdExecutor on this machine", () => {
  it("finds executables on PATH like execvp", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hakuriver-systemd-"))
    try {
      const exe = path.join(dir, "tool")
      fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 })
      fs.writeFileSync(path.join(dir, "data"), "", { mode: 0o644 })
      expect(findExecutable("tool", `/nonexistent:${dir}`)).toBe(exe)
      expect(findExecutable("data", dir)).toBeUndefined()
      expect(findExecutable(exe, "")).toBe(exe)
      expect(findExecutable("tool", "")).toBeUndefined()
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it.effect("is unavailable where systemd is not PID 1", () =>
    Effect.gen(function* () {
      const executor = SystemdExecutor.make({ sudo: false, systemdRuntimeDir: "/nonexistent/systemd/system" })
      expect(executor.kind).toBe("systemd")
      expect(yield* executor.available).toBe(false)
    })
  )

  it.effect("refuses a task that asks for GPUs", () =>
    Effect.gen(function* () {
      const executor = SystemdExecutor.make({ sudo: false })
      const error = yield* Effect.scoped(executor.run(request(trainTask({ gpus: [0] })))).pipe(Effect.flip)
      expect(error.reason).toBe("StartFailed")
      expect(error.detail).toContain("GPUs")
    })
  )

  it.effect("refuses a NUMA task when numactl cannot be found", () =>
    Effect.gen(function* () {
      const executor = SystemdExecutor.make({ sudo: false, numactlPath: "/nonexistent/numactl" })
      const error = yield* Effect.scoped(executor.run(request(trainTask({ numaNode: 0 })))).pipe(Effect.flip)
      expect(error.reason).toBe("StartFailed")
      expect(error.detail).toContain("numactl_path")
    })
  )
})
