/**
 * The pure parts of the CLI: splitting at `--`, exit codes of failures, the live wait line, the
 * detail view of a task.
 */
import { ValidationError, HelpDoc } from "@effect/cli"
import { describe, expect, it } from "@effect/vitest"
import { hakuRiverError, type Task } from "@hakuriver/sdk"
import { Option } from "effect"
import fc from "fast-check"
import { CliFailure, describeFailure } from "../src/CliFailure.js"
import { splitAtDashDash } from "../src/TrailingCommand.js"
import { taskDetail } from "../src/format/views.js"
import { progressLine } from "../src/WaitProgress.js"
import { makeTask } from "../../../test/kit/index.js"

describe("splitAtDashDash", () => {
  it("gives everything after the first -- to the command, untouched", () => {
    expect(splitAtDashDash(["submit", "--wait", "--", "sh", "-c", "x", "--", "--help"])).toEqual([
      ["submit", "--wait"],
      Option.some(["sh", "-c", "x", "--", "--help"])
    ])
    expect(splitAtDashDash(["status", "1"])).toEqual([["status", "1"], Option.none()])
  })

  it("property: before ++ [--] ++ after gives back before and after when before has no --", () => {
    const word = fc.string({ maxLength: 6 })
    fc.assert(
      fc.property(fc.array(word.filter((w) => w !== "--")), fc.array(word), (before, after) => {
        const [words, trailing] = splitAtDashDash([...before, "--", ...after])
        expect(words).toEqual(before)
        expect(trailing).toEqual(Option.some(after))
      })
    )
  })
})

describe("exit codes", () => {
  it("maps SDK errors, CLI failures and validation errors to SPEC's codes", () => {
    expect(describeFailure(hakuRiverError("BadRequest", "bad"))).toEqual({ exitCode: 2, message: "bad" })
    expect(describeFailure(hakuRiverError("NotFound", "no task")).exitCode).toBe(2)
    expect(describeFailure(hakuRiverError("Unreachable", "down")).exitCode).toBe(3)
    expect(describeFailure(hakuRiverError("Unauthorized", "token")).exitCode).toBe(3)
    expect(describeFailure(new CliFailure({ message: "x", exitCode: 1 }))).toEqual({
      exitCode: 1,
      message: "x"
    })
    expect(describeFailure(ValidationError.invalidValue(HelpDoc.p("printed already")))).toEqual({
      exitCode: 2,
      message: ""
    })
    expect(describeFailure({ _tag: "InitError", message: "exists", exitCode: 2 }).exitCode).toBe(2)
  })

  it("keeps messages to one line", () => {
    expect(describeFailure(new Error("first\nsecond")).message).toBe("first")
  })
})

const task = (id: string, status: Task["status"]) =>
  makeTask(["true"], {
    taskId: id,
    status,
    submittedAt: "2026-01-01T00:00:00.000Z",
    stdoutPath: "/x.out",
    stderrPath: "/x.err"
  })

describe("the live wait line", () => {
  it("shows one task's status, and n done of m for a batch", () => {
    expect(progressLine([task("7", "running")], 65_000, 1)).toBe("task 7: running on n1 · 1:05")
    expect(
      progressLine(
        [task("1", "completed"), task("2", "running"), task("3", "pending"), task("4", "failed")],
        12_000,
        4
      )
    ).toBe("[##########..........] 2/4 done · 1 running · 1 pending · 0:12")
  })
})

describe("taskDetail", () => {
  it("names the placements only of a task placed more than once", () => {
    const once = makeTask(["true"], { attempt: 1 })
    expect(taskDetail(once)).not.toContain("placements")
    expect(taskDetail(makeTask(["true"], { attempt: 3 }))).toMatch(/^placements: +3$/m)
    expect(taskDetail(once)).toMatch(/^command: +true$/m)
  })
})
