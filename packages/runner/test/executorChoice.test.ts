import { describe, expect, it } from "@effect/vitest"
import type { EnvName, ExecutorKind } from "@hakuriver/sdk"
import { Either } from "effect"
import { chooseExecutor } from "../src/executorChoice.js"
import { joinMessages, outcomeOf } from "../src/taskOutcome.js"

const env = "torch" as EnvName
const set = (...kinds: Array<ExecutorKind>) => new Set(kinds)

describe("chooseExecutor", () => {
  it("auto: NULL goes to systemd, else to the process executor with a warning", () => {
    expect(Either.getOrThrow(chooseExecutor("NULL", "auto", set("docker", "systemd", "process")))).toEqual({
      kind: "systemd"
    })
    const fallback = Either.getOrThrow(chooseExecutor("NULL", "auto", set("docker", "process")))
    expect(fallback.kind).toBe("process")
    expect(fallback.warning).toContain("systemd is not available")
  })

  it("auto: an environment goes to Docker, else to a fallback that says so", () => {
    expect(Either.getOrThrow(chooseExecutor(env, "auto", set("docker", "systemd", "process")))).toEqual({
      kind: "docker"
    })
    const systemd = Either.getOrThrow(chooseExecutor(env, "auto", set("systemd", "process")))
    expect(systemd).toMatchObject({ kind: "systemd" })
    expect(systemd.warning).toContain("environment torch not used")
    expect(Either.getOrThrow(chooseExecutor(env, "auto", set("process"))).kind).toBe("process")
    expect(Either.isLeft(chooseExecutor(env, "auto", set()))).toBe(true)
  })

  it("a forced executor runs everything, and is refused when unavailable", () => {
    const forced = Either.getOrThrow(chooseExecutor(env, "process", set("docker", "process")))
    expect(forced.kind).toBe("process")
    expect(forced.warning).toContain("[runner] executor")
    expect(Either.getOrThrow(chooseExecutor("NULL", "process", set("process")))).toEqual({ kind: "process" })
    expect(Either.getOrThrow(chooseExecutor("NULL", "docker", set("docker", "systemd"))).kind).toBe("systemd")
    expect(chooseExecutor(env, "docker", set("process"))).toEqual(
      Either.left("the configured executor docker is not available on this runner")
    )
  })
})

describe("outcomeOf", () => {
  it("maps results to final statuses", () => {
    expect(outcomeOf({ exitCode: 0, oomKilled: false }, false)).toEqual({ status: "completed", exitCode: 0 })
    expect(outcomeOf({ exitCode: 2, oomKilled: false }, false)).toMatchObject({
      status: "failed",
      exitCode: 2
    })
    expect(outcomeOf({ exitCode: 137, signal: "SIGKILL", oomKilled: false }, false)).toEqual({
      status: "failed",
      exitCode: 137,
      error: "terminated by SIGKILL"
    })
    expect(outcomeOf({ exitCode: 137, signal: "SIGKILL", oomKilled: false }, true)).toMatchObject({
      status: "killed",
      exitCode: 137
    })
    expect(outcomeOf({ exitCode: 137, oomKilled: true }, false)).toMatchObject({ status: "killed_oom" })
    expect(outcomeOf({ exitCode: -1, oomKilled: false, lost: true, error: "gone" }, false)).toEqual({
      status: "lost",
      error: "gone"
    })
    expect(outcomeOf({ exitCode: 127, oomKilled: false, error: "cannot start x" }, false)).toEqual({
      status: "failed",
      exitCode: 127,
      error: "cannot start x"
    })
  })

  it("joins messages", () => {
    expect(joinMessages(undefined, "a", null, "", "b")).toBe("a; b")
    expect(joinMessages(undefined)).toBeUndefined()
  })
})
