/**
 * `hakurun`'s command line and program in-process (the child-process tests are in
 * hakurun.test.ts): argument parsing, usage errors, run order, module targets.
 */
import * as path from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it, layer } from "@effect/vitest"
import { type Console, Effect, Either } from "effect"
import {
  formatCommand,
  hakurun,
  moduleCommand,
  parseHakurunArgs,
  parseModuleTarget
} from "../src/hakurun/index.js"

/** Runs the program with its console captured. */
const run = (argv: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const err: Array<string> = []
    const current = yield* Effect.console
    const capture: Console.Console = {
      ...current,
      log: (...args) => Effect.sync(() => void out.push(args.join(" "))),
      error: (...args) => Effect.sync(() => void err.push(args.join(" ")))
    }
    const code = yield* hakurun(argv).pipe(Effect.withConsole(capture))
    return { code, out, err }
  })

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.makeTempDirectoryScoped({ prefix: "hakurun-" })
)

describe("hakurun arguments", () => {
  const parsed = (argv: ReadonlyArray<string>) => Either.getOrThrow(parseHakurunArgs(argv))
  const problem = (argv: ReadonlyArray<string>) => {
    const r = parseHakurunArgs(argv)
    return Either.isLeft(r) ? r.left.message : "parsed"
  }

  it("reads the options before TARGET, and everything from TARGET on is the command", () => {
    expect(parsed(["echo", "hi"])).toEqual({
      parallel: false,
      jobs: undefined,
      dryRun: false,
      help: false,
      command: ["echo", "hi"]
    })
    expect(parsed(["-p", "-j", "4", "-n", "python", "s.py", "--jobs", "2"])).toEqual({
      parallel: true,
      jobs: 4,
      dryRun: true,
      help: false,
      command: ["python", "s.py", "--jobs", "2"]
    })
    expect(parsed(["--parallel", "--jobs=3", "--", "--weird-program"]).command).toEqual(["--weird-program"])
    expect(parsed(["--jobs=3", "x"]).jobs).toBe(3)
    expect(parsed(["--help"]).help).toBe(true)
  })

  it("explains bad command lines", () => {
    expect(problem([])).toBe("missing TARGET: hakurun [--parallel] [--jobs N] TARGET ARGS...")
    expect(problem(["--parallel"])).toBe("missing TARGET: hakurun [--parallel] [--jobs N] TARGET ARGS...")
    expect(problem(["--jobs"])).toBe("--jobs needs a positive whole number, got nothing")
    expect(problem(["-j", "0", "x"])).toBe('--jobs needs a positive whole number, got "0"')
    expect(problem(["--jobs=-2", "x"])).toBe('--jobs needs a positive whole number, got "-2"')
    expect(problem(["--fast", "x"])).toBe(
      "unknown option --fast (options go before TARGET; see hakurun --help)"
    )
  })
})

describe("module targets", () => {
  it("recognises FILE.ts:EXPORT and friends, nothing else", () => {
    expect(parseModuleTarget("./sweep.ts:main")).toEqual({ file: "./sweep.ts", exportName: "main" })
    expect(parseModuleTarget("/abs/x.mjs:run_1")).toEqual({ file: "/abs/x.mjs", exportName: "run_1" })
    expect(parseModuleTarget("python")).toBeUndefined()
    expect(parseModuleTarget("./tool")).toBeUndefined()
    expect(parseModuleTarget("host:8000")).toBeUndefined()
    expect(parseModuleTarget("./sweep.ts:1x")).toBeUndefined()
  })

  it("runs through node, loading tsx only for TypeScript", () => {
    const js = moduleCommand({ file: "m.mjs", exportName: "f" }, ["1"], "/w")
    expect("command" in js && js.command[0]).toBe(process.execPath)
    expect("command" in js && js.command.includes("--import")).toBe(false)
    expect("command" in js && js.command.slice(-3)).toEqual(["/w/m.mjs", "f", "1"])
    const ts = moduleCommand({ file: "m.ts", exportName: "f" }, [], "/w")
    expect("command" in ts && ts.command[1]).toBe("--import")
  })
})

describe("formatCommand", () => {
  it("quotes what a shell would split or expand", () => {
    expect(formatCommand(["echo", "1", "x"])).toBe("echo 1 x")
    expect(formatCommand(["touch", "a b", "it's", "$HOME", "{1..2}", ""])).toBe(
      `touch 'a b' 'it'\\''s' '$HOME' '{1..2}' ''`
    )
  })
})

layer(NodeContext.layer)("hakurun program", (it) => {
  it.scoped(
    "exit codes: 0 all ok, 1 a run failed, 2 bad usage or span",
    () =>
      Effect.gen(function* () {
        expect(yield* run(["sh", "-c", "exit 0", "span:[a,b]"])).toEqual({
          code: 0,
          out: [],
          err: ["2 runs: 2 ok, 0 failed"]
        })
        const failed = yield* run(["sh", "-c", "exit 5"])
        expect(failed).toEqual({
          code: 1,
          out: [],
          err: ["hakurun: run 1/1 failed (exit 5): sh -c 'exit 5'", "1 run: 0 ok, 1 failed"]
        })
        expect((yield* run(["--bogus"])).code).toBe(2)
        expect(yield* run(["echo", "span:[]"])).toEqual({
          code: 2,
          out: [],
          err: ['hakurun: invalid span "span:[]": the list is empty; give at least one item, e.g. span:[a,b]']
        })
        expect(yield* run(["echo", "span:{x..y}"])).toEqual({
          code: 2,
          out: [],
          err: [
            'hakurun: invalid span "span:{x..y}": expected span:{START..END} with integers (e.g. span:{1..3}) or span:[a,b,...]'
          ]
        })
        const help = yield* run(["-h"])
        expect(help.code).toBe(0)
        expect(help.out[0]).toMatch(/^Usage: hakurun/)
      }),
    30_000
  )

  it.scoped(
    "runs sequentially in expansion order by default",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const log = path.join(dir, "log")
        const r = yield* run(["sh", "-c", 'echo "$1-$2" >> "$0"', log, "span:{2..1}", "span:[x,y]"])
        expect(r.code).toBe(0)
        expect(yield* fs.readFileString(log)).toBe("2-x\n2-y\n1-x\n1-y\n")
      }),
    30_000
  )

  it.scoped(
    "dry-run prints and runs nothing",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const made = path.join(dir, "made")
        expect(yield* run(["--dry-run", "touch", made, "span:[1]"])).toEqual({
          code: 0,
          out: [`touch ${made} 1`],
          err: []
        })
        expect(yield* fs.exists(made)).toBe(false)
      }),
    30_000
  )
})
