/**
 * `hakurun` as users run it: the real bin in a child process (through tsx, so no build is needed).
 */
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Command, FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Stream } from "effect"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const bin = path.join(root, "packages/cli/src/bin/hakurun.ts")
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

const text = (stream: Stream.Stream<Uint8Array, unknown>) => stream.pipe(Stream.decodeText(), Stream.mkString)

/** Runs `hakurun ARGS...` in `cwd`; resolves to its exit code, stdout and stderr. */
const hakurun = (args: ReadonlyArray<string>, cwd: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const proc = yield* Command.make(process.execPath, "--import", tsx, bin, ...args).pipe(
        Command.workingDirectory(cwd),
        Command.env({ TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json") }),
        Command.start
      )
      const [stdout, stderr, code] = yield* Effect.all(
        [text(proc.stdout), text(proc.stderr), proc.exitCode],
        {
          concurrency: 3
        }
      )
      return { code: Number(code), stdout, stderr }
    })
  )

/** Each run starts Node with tsx, which takes seconds on a busy machine. */
const timeout = 120_000

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.makeTempDirectoryScoped({ prefix: "hakurun-test-" })
)

/**
 * A run (sh script) that marks itself active, records how many runs are active, waits until
 * `need` runs have started (else exits 9 after 20 s), then exits 0.
 */
const probeScript = [
  'd="$0"; id="$1"; need="$2"',
  'touch "$d/started-$id" "$d/active-$id"',
  'ls "$d" | grep -c "^active-" > "$d/seen-$id"',
  "t=0",
  'while [ "$(ls "$d" | grep -c "^started-")" -lt "$need" ]; do',
  '  t=$((t+1)); [ "$t" -gt 400 ] && exit 9; sleep 0.05',
  "done",
  "sleep 0.2",
  'rm "$d/active-$id"'
].join("\n")

layer(NodeContext.layer)("hakurun", (it) => {
  it.scoped(
    "--dry-run prints the expanded commands in order, running nothing",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const r = yield* hakurun(["--dry-run", "echo", "span:{1..2}", "x", "span:[a,b]"], dir)
        expect(r).toEqual({ code: 0, stdout: "echo 1 x a\necho 1 x b\necho 2 x a\necho 2 x b\n", stderr: "" })
        expect(yield* fs.readDirectory(dir)).toEqual([])
      }),
    timeout
  )

  it.scoped(
    "--parallel --jobs 2 runs the processes two at a time",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const r = yield* hakurun(
          ["--parallel", "--jobs", "2", "sh", "-c", probeScript, dir, "span:{0..3}", "2"],
          dir
        )
        expect(r.code).toBe(0)
        expect(r.stderr).toBe("4 runs: 4 ok, 0 failed\n")
        const seen: Array<number> = []
        for (const id of [0, 1, 2, 3])
          seen.push(Number((yield* fs.readFileString(path.join(dir, `seen-${id}`))).trim()))
        expect(Math.max(...seen)).toBe(2)
      }),
    timeout
  )

  it.scoped(
    "exits 1 when a run fails, naming each failed run, with the summary last",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const r = yield* hakurun(["-p", "-j", "3", "sh", "-c", 'exit "$0"', "span:{0..2}"], dir)
        expect(r.code).toBe(1)
        const lines = r.stderr.trimEnd().split("\n")
        expect(lines.slice(0, -1).sort()).toEqual([
          `hakurun: run 2/3 failed (exit 1): sh -c 'exit "$0"' 1`,
          `hakurun: run 3/3 failed (exit 2): sh -c 'exit "$0"' 2`
        ])
        expect(lines.at(-1)).toBe("3 runs: 1 ok, 2 failed")
      }),
    timeout
  )

  it.scoped(
    "a malformed span is one clear line and exit 2, running nothing",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const bad = yield* hakurun(["touch", "made", "span:{1..}"], dir)
        expect(bad).toEqual({
          code: 2,
          stdout: "",
          stderr:
            'hakurun: invalid span "span:{1..}": expected span:{START..END} with integers (e.g. span:{1..3}) or span:[a,b,...]\n'
        })
        expect(yield* fs.exists(path.join(dir, "made"))).toBe(false)
      }),
    timeout
  )

  it.scoped(
    "a TS module target FILE.ts:EXPORT is called with each run's arguments",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        yield* fs.writeFileString(
          path.join(dir, "sweep.ts"),
          [
            'import { writeFileSync } from "node:fs"',
            "export const main = async (lr: string, seed: string): Promise<number> => {",
            "  writeFileSync(import.meta.dirname + '/out-' + lr + '-' + seed, lr + ':' + seed)",
            '  return lr === "0.1" && seed === "2" ? 4 : 0',
            "}"
          ].join("\n")
        )
        const r = yield* hakurun(["--parallel", "./sweep.ts:main", "span:[0.1,0.01]", "span:{1..2}"], dir)
        expect(r.code).toBe(1)
        expect(r.stderr).toContain("hakurun: run 2/4 failed (exit 4): ./sweep.ts:main 0.1 2\n")
        expect(r.stderr.endsWith("4 runs: 3 ok, 1 failed\n")).toBe(true)
        const outs = (yield* fs.readDirectory(dir)).filter((f) => f.startsWith("out-")).sort()
        expect(outs).toEqual(["out-0.01-1", "out-0.01-2", "out-0.1-1", "out-0.1-2"])
        expect(yield* fs.readFileString(path.join(dir, "out-0.01-2"))).toBe("0.01:2")
      }),
    timeout
  )
})
