/**
 * `hakuriver init config` and `hakuriver init service`: in-process through @effect/cli, and once
 * through the real `hakuriver` bin for the exit code.
 */
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Command as CliCommand } from "@effect/cli"
import { Command, FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { defaultConfig, loadConfig, renderConfig } from "@hakuriver/sdk"
import { describe, expect, it, layer } from "@effect/vitest"
import { ConfigProvider, type Console, Effect, Stream } from "effect"
import { InitError, init, renderServiceUnit } from "../src/commands/init.js"

const cli = CliCommand.run(init, { name: "hakuriver init", version: "test" })

/**
 * Runs `init WORDS...` with the given environment (read through Effect's Config) and the console
 * captured; resolves to the printed lines, or fails with the command's error.
 */
const runInit = (words: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const current = yield* Effect.console
    const capture: Console.Console = {
      ...current,
      log: (...args) => Effect.sync(() => void out.push(args.join(" "))),
      error: (...args) => Effect.sync(() => void out.push(args.join(" ")))
    }
    yield* cli(["node", "hakuriver", ...words]).pipe(
      Effect.withConsole(capture),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ PATH: "", ...env }))))
    )
    return out.join("\n")
  })

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.makeTempDirectoryScoped({ prefix: "hakuriver-init-" })
)

layer(NodeContext.layer)("init config", (it) => {
  it.scoped(
    "writes the default config, which loads back as the defaults",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const file = path.join(dir, "nested", "config.toml")
        const printed = yield* runInit(["config", "--config", file])
        expect(printed).toBe(`wrote ${file}`)
        expect(yield* fs.readFileString(file)).toBe(renderConfig())
        const loaded = yield* loadConfig({ path: file, env: {}, home: dir })
        const defaults = yield* loadConfig({ env: {}, home: dir })
        expect(loaded).toEqual(defaults)
        expect(loaded.security.token).toBe(defaultConfig.security.token)
      }),
    30_000
  )

  it.scoped(
    "refuses to overwrite without --force; --force overwrites",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const file = path.join(dir, "config.toml")
        yield* fs.writeFileString(file, "# mine\n")
        const error = yield* Effect.flip(runInit(["config", "--config", file]))
        expect(error).toBeInstanceOf(InitError)
        expect(error instanceof InitError && error.message).toBe(
          `${file} already exists; use --force to overwrite it`
        )
        expect(error instanceof InitError && error.exitCode).toBe(2)
        expect(yield* fs.readFileString(file)).toBe("# mine\n")
        yield* runInit(["config", "--force", "--config", file])
        expect(yield* fs.readFileString(file)).toBe(renderConfig())
      }),
    30_000
  )

  it.scoped(
    "--generate-token fills [security] token with a fresh random token, file mode 600",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const file = path.join(dir, "config.toml")
        const printed = yield* runInit(["config", "--generate-token", "--config", file])
        expect(printed).toBe(`wrote ${file} (with a new security token)`)
        const first = (yield* loadConfig({ path: file, env: {}, home: dir })).security.token
        expect(first).toMatch(/^[0-9a-f]{64}$/)
        expect((yield* fs.stat(file)).mode & 0o777).toBe(0o600)
        yield* fs.chmod(file, 0o644)
        yield* runInit(["config", "--generate-token", "--force", "--config", file])
        const second = (yield* loadConfig({ path: file, env: {}, home: dir })).security.token
        expect(second).toMatch(/^[0-9a-f]{64}$/)
        expect(second).not.toBe(first)
        expect((yield* fs.stat(file)).mode & 0o777).toBe(0o600)
      }),
    30_000
  )

  it.scoped(
    "without --config it writes to $HAKURIVER_CONFIG",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const file = path.join(dir, "from-env.toml")
        yield* runInit(["config"], { HAKURIVER_CONFIG: file })
        expect(yield* fs.exists(file)).toBe(true)
      }),
    30_000
  )
})

layer(NodeContext.layer)("init service", (it) => {
  it.scoped(
    "--all writes both units with ExecStart on the installed bin and prints the sudo steps",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const binDir = path.join(dir, "bin")
        yield* fs.makeDirectory(binDir)
        yield* fs.writeFileString(path.join(binDir, "hakuriver"), "#!/bin/sh\n")
        yield* fs.chmod(path.join(binDir, "hakuriver"), 0o755)
        const out = path.join(dir, "units")
        const config = path.join(dir, "c.toml")
        const printed = yield* runInit(["service", "--all", "--config", config, "--output-dir", out], {
          PATH: `/nonexistent-dir:${binDir}`
        })
        const host = yield* fs.readFileString(path.join(out, "hakuriver-host.service"))
        const runner = yield* fs.readFileString(path.join(out, "hakuriver-runner.service"))
        expect(host).toContain(`ExecStart=${path.join(binDir, "hakuriver")} host --config ${config}\n`)
        expect(runner).toContain(`ExecStart=${path.join(binDir, "hakuriver")} runner --config ${config}\n`)
        for (const unit of [host, runner]) {
          expect(unit).toContain("\nRestart=on-failure\n")
          expect(unit).toContain("\nEnvironment=MALLOC_ARENA_MAX=2\n")
          expect(unit).toMatch(/^\[Unit\]\n/)
          expect(unit).toContain("\n[Install]\nWantedBy=multi-user.target\n")
        }
        expect(printed).toContain(`wrote ${path.join(out, "hakuriver-host.service")}`)
        expect(printed).toContain("sudo systemctl daemon-reload")
        expect(printed).toContain("sudo systemctl enable --now hakuriver-host hakuriver-runner")
        expect(printed).toContain(`sudo cp ${path.join(out, "hakuriver-host.service")}`)
      }),
    30_000
  )

  it.scoped(
    "--host or --runner writes only that unit; the config path is made absolute",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        yield* runInit(["service", "--runner", "--config", "rel.toml", "--output-dir", dir])
        expect((yield* fs.readDirectory(dir)).sort()).toEqual(["hakuriver-runner.service"])
        const unit = yield* fs.readFileString(path.join(dir, "hakuriver-runner.service"))
        expect(unit).toContain(` runner --config ${path.resolve("rel.toml")}\n`)
        yield* runInit(["service", "--host", "--output-dir", dir], {
          HAKURIVER_CONFIG: "/etc/hakuriver.toml"
        })
        const host = yield* fs.readFileString(path.join(dir, "hakuriver-host.service"))
        expect(host).toContain(" host --config /etc/hakuriver.toml\n")
      }),
    30_000
  )

  it.scoped(
    "refuses to guess which unit",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const error = yield* Effect.flip(runInit(["service", "--output-dir", dir]))
        expect(error instanceof InitError && error.message).toBe(
          "choose the units to write: --host, --runner or --all"
        )
      }),
    30_000
  )
})

describe("renderServiceUnit", () => {
  it("quotes paths with spaces in ExecStart", () => {
    const unit = renderServiceUnit({
      role: "host",
      bin: ["/usr/bin/node", "/opt/my tools/hakuriver.js"],
      configPath: "/etc/hakuriver/config.toml",
      user: "haku"
    })
    expect(unit).toContain(
      'ExecStart=/usr/bin/node "/opt/my tools/hakuriver.js" host --config /etc/hakuriver/config.toml\n'
    )
    expect(unit).toContain("User=haku\n")
  })
})

const root = fileURLToPath(new URL("../../../", import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** `hakuriver WORDS...` as a real process with HOME set; resolves to exit code and stderr. */
const hakuriver = (words: ReadonlyArray<string>, home: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const proc = yield* Command.make(
        process.execPath,
        "--import",
        tsx,
        path.join(root, "packages/cli/src/bin/hakuriver.ts"),
        ...words
      ).pipe(
        Command.env({
          HOME: home,
          HAKURIVER_CONFIG: "",
          TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json")
        }),
        Command.start
      )
      const [stderr, code] = yield* Effect.all(
        [proc.stderr.pipe(Stream.decodeText(), Stream.mkString), proc.exitCode, Stream.runDrain(proc.stdout)],
        { concurrency: 3 }
      )
      return { code: Number(code), stderr }
    })
  )

layer(NodeContext.layer)("hakuriver init config (the bin)", (it) => {
  it.scoped(
    "writes ~/.hakuriver/config.toml, then refuses with exit 2 and one clear line",
    () =>
      Effect.gen(function* () {
        const home = yield* tempDir
        const fs = yield* FileSystem.FileSystem
        const file = path.join(home, ".hakuriver", "config.toml")
        expect(yield* hakuriver(["init", "config"], home)).toEqual({ code: 0, stderr: "" })
        expect(yield* fs.readFileString(file)).toBe(renderConfig())
        expect(yield* hakuriver(["init", "config"], home)).toEqual({
          code: 2,
          stderr: `hakuriver: ${file} already exists; use --force to overwrite it\n`
        })
      }),
    120_000
  )
})
