/**
 * `HAKURIVER_TRACE_FILE`: the built `hakuriver up` writes its spans to the file, one JSON line each,
 * and the spans of a task's way from submit to its end are there, linked across the host's call
 * to the runner.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { SpanFile } from "@hakuriver/sdk"
import { ensureBuilt, hakuriver, startUp } from "./cliProcess.js"

beforeAll(async () => {
  await ensureBuilt()
}, 300_000)

describe("HAKURIVER_TRACE_FILE", () => {
  it("hakuriver up writes the spans of a task's way to the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-trace-"))
    const file = path.join(dir, "spans.jsonl")
    const cluster = await startUp([], { HAKURIVER_TRACE_FILE: file })
    let id: string | undefined
    try {
      const run = await hakuriver(["submit", "--wait", "--json", "--", "true"], {
        HAKURIVER_URL: cluster.url
      })
      expect(run.code).toBe(0)
      id = (JSON.parse(run.stdout) as { tasks: Array<{ taskId: string }> }).tasks[0]?.taskId
    } finally {
      await cluster.stop()
    }
    const lines = SpanFile.read(file)
    const spans = new Map(lines.map((l) => [l.span, l]))
    const ofTask = (name: string) => lines.find((l) => l.name === name && l.attributes["taskId"] === id)
    for (const name of ["TaskSupervisor.run", "TaskSupervisor.task", "ProcessExecutor.run"]) {
      expect(ofTask(name), name).toBeDefined()
    }
    // the runner's answer to the host's run request is a child of the host's call, in its trace
    const run = ofTask("TaskSupervisor.run")!
    const served = spans.get(run.parent!)!
    expect(served.name).toMatch(/^http\.server POST/)
    const call = spans.get(served.parent!)!
    expect(call.name).toMatch(/^http\.client POST/)
    expect(call.trace).toBe(run.trace)
    expect(call.start).toBeLessThanOrEqual(served.start)
    expect(lines.some((l) => l.name === "Submission.submitMany")).toBe(true)
    fs.rmSync(dir, { recursive: true, force: true })
  }, 120_000)

  it("a trace file that cannot be opened: one line and exit 2", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hr-trace-"))
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "hr-trace-data-"))
    const up = await hakuriver(["up", "--data-dir", data, "--port", "0", "--executor", "process"], {
      HAKURIVER_TRACE_FILE: dir
    })
    expect(up.code).toBe(2)
    expect(up.stderr.trim()).toMatch(new RegExp(`^.*cannot open the trace file ${dir}: .*EISDIR.*$`))
    expect(up.stderr.trim().split("\n")).toHaveLength(1)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.rmSync(data, { recursive: true, force: true })
  }, 60_000)
})
