/**
 * `hakuriver init`: writes the default config file (`init config`) and systemd unit files for
 * the host and runner (`init service`).
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import * as os from "node:os"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { defaultConfigPath, renderConfig } from "@hakuriver/sdk"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * Why `init` refused or failed: a file exists, no role chosen, a file cannot be written. The CLI
 * prints `message` and exits with `exitCode` (2: bad usage).
 * @category errors
 */
export class InitError extends Schema.TaggedError<InitError>()("InitError", {
  message: Schema.String
}) {
  /** The process exit code this error maps to. */
  get exitCode(): 2 {
    return 2
  }
}

/** The two services `init service` writes units for. */
export type ServiceRole = "host" | "runner"

/** What a systemd unit needs to know. */
export interface ServiceUnitOptions {
  /** `host` or `runner`. */
  readonly role: ServiceRole
  /** The command that starts `hakuriver`, as an argument array (absolute program first). */
  readonly bin: ReadonlyArray<string>
  /** Absolute path of the config file the service reads. */
  readonly configPath: string
  /** The user the service runs as. */
  readonly user: string
}

/** The unit file name of a role: `hakuriver-host.service` or `hakuriver-runner.service`. */
export const serviceFileName = (role: ServiceRole): string => `hakuriver-${role}.service`

const quoteArg = (arg: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, "\\$1")}"`

/**
 * The C allocator's arenas of a service (`MALLOC_ARENA_MAX`): glibc's default, eight per core,
 * kept 9 MB more in a host and 5 MB more in a runner after 1,000 tasks, and two cost no CPU that
 * runners of one cluster, half with it, could tell apart (bench/RESULTS.md, change 68).
 */
const mallocArenas = "MALLOC_ARENA_MAX=2"

/**
 * Renders the systemd unit of a role: `ExecStart=BIN ROLE --config PATH`, `Restart=on-failure`,
 * and `Environment=MALLOC_ARENA_MAX=2`.
 * @category formatting
 */
export const renderServiceUnit = (options: ServiceUnitOptions): string => {
  const exec = [...options.bin, options.role, "--config", options.configPath].map(quoteArg).join(" ")
  return [
    "[Unit]",
    `Description=HakuRiver ${options.role}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `User=${options.user}`,
    "# glibc's malloc keeps two arenas, not eight per core: less memory held after a burst of tasks",
    `Environment=${mallocArenas}`,
    `ExecStart=${exec}`,
    "Restart=on-failure",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    ""
  ].join("\n")
}

const ioError = (what: string) => (e: { readonly message: string }) =>
  new InitError({ message: `cannot ${what}: ${e.message}` })

const configOption = Options.file("config").pipe(
  Options.withDescription("config file (default: $HAKURIVER_CONFIG, else ~/.hakuriver/config.toml)"),
  Options.optional
)

/** `--config`, else `$HAKURIVER_CONFIG`, else `~/.hakuriver/config.toml`, made absolute. */
const configTarget = (explicit: Option.Option<string>) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const fromEnv = yield* Config.option(Config.string("HAKURIVER_CONFIG")).pipe(Effect.orDie)
    const chosen = Option.orElse(explicit, () => Option.filter(fromEnv, (s) => s.length > 0))
    return path.resolve(Option.getOrElse(chosen, () => defaultConfigPath()))
  })

/** Searches `PATH` for an installed `hakuriver`; else this process's own node + script. */
const resolveBin = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const searchPath = yield* Config.string("PATH").pipe(Config.withDefault(""), Effect.orDie)
  for (const dir of searchPath.split(":")) {
    if (dir === "" || !path.isAbsolute(dir)) continue
    const candidate = path.join(dir, "hakuriver")
    const found = yield* fs.access(candidate, { ok: true }).pipe(
      Effect.as(true),
      Effect.orElseSucceed(() => false)
    )
    if (found) return [candidate]
  }
  const script = process.argv[1]
  return script === undefined ? [process.execPath] : [process.execPath, path.resolve(script)]
})

const force = Options.boolean("force").pipe(Options.withDescription("overwrite an existing file"))
const generateToken = Options.boolean("generate-token").pipe(
  Options.withDescription("fill [security] token with a new random token")
)

/**
 * `hakuriver init config [--force] [--config PATH] [--generate-token]`: writes the default config.
 * @category commands
 */
export const initConfig = Command.make(
  "config",
  { force, config: configOption, generateToken },
  Effect.fn("init.config")(function* (args) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const target = yield* configTarget(args.config)
    const exists = yield* fs.exists(target).pipe(Effect.mapError(ioError(`check ${target}`)))
    if (exists && !args.force) {
      return yield* new InitError({ message: `${target} already exists; use --force to overwrite it` })
    }
    const token = args.generateToken ? randomBytes(32).toString("hex") : undefined
    yield* fs
      .makeDirectory(path.dirname(target), { recursive: true })
      .pipe(Effect.mapError(ioError(`create ${path.dirname(target)}`)))
    yield* fs
      .writeFileString(target, renderConfig(undefined, token), { mode: 0o600 })
      .pipe(Effect.mapError(ioError(`write ${target}`)))
    // an overwritten file keeps its old mode: a token must not stay world-readable
    if (token !== undefined) yield* fs.chmod(target, 0o600).pipe(Effect.mapError(ioError(`chmod ${target}`)))
    yield* Console.log(`wrote ${target}${token === undefined ? "" : " (with a new security token)"}`)
  })
).pipe(Command.withDescription("write the default config file"))

const roleFlag = (role: ServiceRole | "all") =>
  Options.boolean(role).pipe(
    Options.withDescription(role === "all" ? "both units" : `the ${role} unit (${serviceFileName(role)})`)
  )

/**
 * `hakuriver init service --host|--runner|--all [--config PATH] [--output-dir DIR]`: writes the
 * systemd unit files and prints (does not run) the commands that install them.
 * @category commands
 */
export const initService = Command.make(
  "service",
  {
    host: roleFlag("host"),
    runner: roleFlag("runner"),
    all: roleFlag("all"),
    config: configOption,
    outputDir: Options.directory("output-dir").pipe(
      Options.withDescription("where to write the unit files (default: the current directory)"),
      Options.withDefault(".")
    )
  },
  Effect.fn("init.service")(function* (args) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const roles: Array<ServiceRole> = [
      ...(args.host || args.all ? (["host"] as const) : []),
      ...(args.runner || args.all ? (["runner"] as const) : [])
    ]
    if (roles.length === 0) {
      return yield* new InitError({ message: "choose the units to write: --host, --runner or --all" })
    }
    const configPath = yield* configTarget(args.config)
    const bin = yield* resolveBin
    const user = os.userInfo().username
    const dir = path.resolve(args.outputDir)
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(ioError(`create ${dir}`)))
    const written: Array<string> = []
    for (const role of roles) {
      const file = path.join(dir, serviceFileName(role))
      yield* fs
        .writeFileString(file, renderServiceUnit({ role, bin, configPath, user }))
        .pipe(Effect.mapError(ioError(`write ${file}`)))
      written.push(file)
      yield* Console.log(`wrote ${file}`)
    }
    const units = roles.map((r) => `hakuriver-${r}`)
    yield* Console.log(
      [
        "",
        "To install and start (not run for you):",
        `  sudo cp ${written.map(quoteArg).join(" ")} /etc/systemd/system/`,
        "  sudo systemctl daemon-reload",
        `  sudo systemctl enable --now ${units.join(" ")}`
      ].join("\n")
    )
  })
).pipe(Command.withDescription("write systemd unit files for the host and/or runner"))

/**
 * `hakuriver init`: `config` and `service` subcommands.
 * @category commands
 */
export const init = Command.make("init").pipe(
  Command.withDescription("write the default config file or systemd unit files"),
  Command.withSubcommands([initConfig, initService])
)
