import * as path from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it, layer } from "@effect/vitest"
import { Duration, Effect, Either, Fiber } from "effect"
import fc from "fast-check"
import { Sweep } from "../src/index.js"
import { pidAlive } from "../../../test/kit/index.js"

const runs = (args: ReadonlyArray<string>) => Either.getOrThrow(Sweep.expand(args))
const problem = (args: ReadonlyArray<string>) => {
  const result = Sweep.expand(args)
  return Either.isLeft(result) ? result.left.message : "expanded"
}

describe("span syntax", () => {
  it("ranges are inclusive, may be negative and may count down", () => {
    expect(runs(["span:{1..3}"])).toEqual([["1"], ["2"], ["3"]])
    expect(runs(["span:{-2..2}"])).toEqual([["-2"], ["-1"], ["0"], ["1"], ["2"]])
    expect(runs(["span:{3..1}"])).toEqual([["3"], ["2"], ["1"]])
    expect(runs(["span:{-1..-3}"])).toEqual([["-1"], ["-2"], ["-3"]])
    expect(runs(["span:{5..5}"])).toEqual([["5"]])
    expect(runs(["span:{ 1 .. 2 }"])).toEqual([["1"], ["2"]])
    expect(runs(["span:{-0..0}"])).toEqual([["0"]])
  })

  it("lists keep their order and trim their items", () => {
    expect(runs(["span:[a,b,c]"])).toEqual([["a"], ["b"], ["c"]])
    expect(runs(["span:[ x , y ]"])).toEqual([["x"], ["y"]])
    expect(runs(["span:[0.1]"])).toEqual([["0.1"]])
  })

  it("other arguments pass through untouched", () => {
    expect(runs(["python", "s.py", "--span", "spa:{1..2}", "{1..2}", "[a,b]"])).toEqual([
      ["python", "s.py", "--span", "spa:{1..2}", "{1..2}", "[a,b]"]
    ])
    expect(runs([])).toEqual([[]])
  })

  it("malformed or empty spans are typed errors with a clear message", () => {
    expect(problem(["echo", "span:[]"])).toBe(
      'invalid span "span:[]": the list is empty; give at least one item, e.g. span:[a,b]'
    )
    expect(problem(["span:[a,,b]"])).toBe('invalid span "span:[a,,b]": a list item is empty')
    expect(problem(["span:{1..}"])).toBe(
      'invalid span "span:{1..}": expected span:{START..END} with integers (e.g. span:{1..3}) or span:[a,b,...]'
    )
    expect(problem(["span:{a..b}"])).toMatch(/^invalid span "span:\{a..b\}": expected span:\{START..END\}/)
    expect(problem(["span:{1.5..3}"])).toMatch(/^invalid span "span:\{1.5..3\}": expected/)
    expect(problem(["span:1"])).toMatch(
      /quote spans in the shell, which turns span:\{1..3\} into span:1 span:2/
    )
    expect(problem(["span:"])).toMatch(/^invalid span "span:": /)
    expect(problem(["span:{1..99999999999999999999}"])).toMatch(/range bounds must be integers/)
    expect(problem(["span:{1..2000000}"])).toBe(
      'invalid span "span:{1..2000000}": the range has 2000000 values; at most 1000000'
    )
    expect(problem(["span:{1..1000}", "span:{1..1001}"])).toMatch(
      /^invalid sweep .*it expands to 1001000 runs; at most 1000000$/
    )
    const result = Sweep.expand(["span:[]"])
    expect(Either.isLeft(result) && result.left._tag).toBe("InvalidInput")
    expect(() => Sweep.expandSync(["span:[]"])).toThrow(/invalid span "span:\[\]"/)
  })
})

describe("Cartesian expansion", () => {
  it("follows argument order, the last span varying fastest", () => {
    expect(runs(["echo", "span:{1..2}", "x", "span:[a,b]"])).toEqual([
      ["echo", "1", "x", "a"],
      ["echo", "1", "x", "b"],
      ["echo", "2", "x", "a"],
      ["echo", "2", "x", "b"]
    ])
  })

  // a sweep as [fixed or list-of-values] per argument
  const column = fc.oneof(
    fc.stringMatching(/^[a-z]{1,3}$/).map((v) => ({ text: v, values: [v] })),
    fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,3}$/), { minLength: 1, maxLength: 4 }).map((vs) => ({
      text: `span:[${vs.join(",")}]`,
      values: vs
    })),
    fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 })).map(([a, b]) => ({
      text: `span:{${a}..${b}}`,
      values: Array.from({ length: Math.abs(b - a) + 1 }, (_, i) => String(a + i * (b >= a ? 1 : -1)))
    }))
  )

  it("yields every combination exactly once, in odometer order", () => {
    fc.assert(
      fc.property(fc.array(column, { maxLength: 5 }), (cols) => {
        const result = runs(cols.map((c) => c.text))
        const size = cols.reduce((n, c) => n * c.values.length, 1)
        expect(result.length).toBe(size)
        expect(Sweep.sweepSize(Either.getOrThrow(Sweep.parseSweep(cols.map((c) => c.text))))).toBe(size)
        // run k has, in column i, the value at digit i of k in the mixed radix of the column sizes
        result.forEach((run, k) => {
          let rest = k
          for (let i = cols.length - 1; i >= 0; i--) {
            const values = cols[i]?.values ?? []
            expect(run[i]).toBe(values[rest % values.length])
            rest = Math.floor(rest / values.length)
          }
        })
      })
    )
  })
})

/** Real processes on a machine shared with other test files can be slow. */
const timeout = 30_000

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.makeTempDirectoryScoped({ prefix: "hakuriver-sweep-" })
)

/**
 * A run that marks itself active, records how many runs are active, waits until `need` runs have
 * started (up to 20 s, else exit 9), lingers a little, then exits with `code`.
 */
const probe = (dir: string, id: string, need: number, code: number) => [
  "sh",
  "-c",
  [
    'd="$0"; id="$1"; need="$2"; code="$3"',
    'touch "$d/started-$id" "$d/active-$id"',
    'ls "$d" | grep -c "^active-" > "$d/seen-$id"',
    "t=0",
    'while [ "$(ls "$d" | grep -c "^started-")" -lt "$need" ]; do',
    '  t=$((t+1)); [ "$t" -gt 400 ] && exit 9; sleep 0.05',
    "done",
    "sleep 0.2",
    'rm "$d/active-$id"',
    'exit "$code"'
  ].join("\n"),
  dir,
  id,
  String(need),
  String(code)
]

const maxSeen = (dir: string, count: number) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    let max = 0
    for (let i = 0; i < count; i++) {
      const text = yield* fs.readFileString(path.join(dir, `seen-${i}`))
      max = Math.max(max, Number(text.trim()))
    }
    return max
  })

layer(NodeContext.layer)("local runs", (it) => {
  it.scoped(
    "parallel runs really overlap, at most `jobs` at a time",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const commands = [0, 1, 2, 3].map((i) => probe(dir, String(i), 2, 0))
        const report = yield* Sweep.runCommands(commands, { parallel: true, jobs: 2 })
        expect(report.results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0])
        expect(report.summary).toBe("4 runs: 4 ok, 0 failed")
        expect(yield* maxSeen(dir, 4)).toBe(2)
      }),
    timeout
  )

  it.scoped(
    "sequential runs never overlap",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const commands = [0, 1, 2].map((i) => probe(dir, String(i), 1, 0))
        const report = yield* Sweep.runCommands(commands)
        expect(report.ok).toBe(3)
        expect(yield* maxSeen(dir, 3)).toBe(1)
      }),
    timeout
  )

  it.scoped(
    "records exit codes, missing programs and signals, in expansion order",
    () =>
      Effect.gen(function* () {
        const finished: Array<number> = []
        const report = yield* Sweep.runCommands(
          [
            ["sh", "-c", "exit 0"],
            ["sh", "-c", "exit 3"],
            ["hakuriver-no-such-program-xyz"],
            ["sh", "-c", "kill -KILL $$"],
            ["cat"],
            []
          ],
          { parallel: true, jobs: 3, onResult: (r) => Effect.sync(() => finished.push(r.index)) }
        )
        expect(report.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5])
        expect(report.results.map((r) => r.exitCode)).toEqual([0, 3, null, null, 0, null])
        expect(report.results[2]?.error).toBe(
          'cannot start "hakuriver-no-such-program-xyz": command not found'
        )
        expect(report.results[3]?.error).toBe("ended by SIGKILL")
        expect(report.results[5]?.error).toBe("empty command")
        expect(report.summary).toBe("6 runs: 2 ok, 4 failed")
        expect([...finished].sort()).toEqual([0, 1, 2, 3, 4, 5])
      }),
    timeout
  )

  it.scoped(
    "passes arguments verbatim (no shell), with cwd and extra env",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const report = yield* Sweep.runSweep(
          ["sh", "-c", 'printf "%s|%s|%s" "$1" "$SWEEP_X" "$(pwd)" > "out-$1"', "sh", "span:[$(id),a b]"],
          { cwd: dir, env: { SWEEP_X: "x*" } }
        )
        expect(report.ok).toBe(2)
        const real = yield* fs.realPath(dir)
        expect(yield* fs.readFileString(path.join(dir, "out-$(id)"))).toBe(`$(id)|x*|${real}`)
        expect(yield* fs.readFileString(path.join(dir, "out-a b"))).toBe(`a b|x*|${real}`)
      }),
    timeout
  )

  it.scoped(
    "runSweep fails with InvalidInput on a bad span, running nothing",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(Sweep.runSweep(["echo", "span:{1..}"]))
        expect(error._tag).toBe("InvalidInput")
      }),
    timeout
  )
})

describe("interruption", () => {
  // live clock: the test polls for the pid file with real sleeps
  it.scopedLive(
    "interrupting the sweep stops its processes",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const pidFile = path.join(dir, "pid")
        const fiber = yield* Effect.fork(
          Sweep.runCommands([
            ["sh", "-c", 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 30', pidFile]
          ])
        )
        let waited = 0
        while (!(yield* fs.exists(pidFile)) && waited < 100) {
          yield* Effect.sleep(Duration.millis(50))
          waited++
        }
        const pid = Number((yield* fs.readFileString(pidFile)).trim())
        expect(pid).toBeGreaterThan(0)
        yield* Fiber.interrupt(fiber)
        expect(pidAlive(pid)).toBe(false)
      }).pipe(Effect.provide(NodeContext.layer)),
    timeout
  )
})
