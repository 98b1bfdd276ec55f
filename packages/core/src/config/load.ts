/**
 * Finding, reading and validating the configuration: `--config PATH`, else `$HAKURIVER_CONFIG`,
 * else `~/.hakuriver/config.toml`, else the defaults; then `HAKURIVER_SECTION__KEY` environment
 * overrides (e.g. `HAKURIVER_NETWORK__HOST_PORT=9000`); then `~` expansion of paths.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Either, ParseResult, Schema } from "effect"
import { parse as parseToml } from "smol-toml"
import { ConfigError } from "./ConfigError.js"
import { HakuRiverConfig } from "./schema.js"

/** Where the configuration comes from. */
export interface LoadOptions {
  /** An explicit file (`--config`); it must exist. */
  readonly path?: string | undefined
  /** The environment to read `HAKURIVER_CONFIG` and overrides from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** The home directory for `~`; defaults to `os.homedir()`. */
  readonly home?: string
}

/** The default location of the config file. */
export const defaultConfigPath = (home: string = os.homedir()): string =>
  path.join(home, ".hakuriver", "config.toml")

/** Expands a leading `~` to `home`. */
export const expandHome = (p: string, home: string): string =>
  p === "~" ? home : p.startsWith("~/") ? path.join(home, p.slice(2)) : p

const readToml = (file: string): Effect.Effect<Record<string, unknown>, ConfigError> =>
  Effect.try({
    try: () => parseToml(fs.readFileSync(file, "utf8")) as Record<string, unknown>,
    catch: (e) =>
      new ConfigError({
        source: file,
        detail:
          (e as NodeJS.ErrnoException).code === "ENOENT"
            ? "file not found"
            : (String((e as Error).message).split("\n")[0] ?? "unreadable")
      })
  })

const overridePattern = /^HAKURIVER_([A-Z0-9]+)__([A-Z0-9_]+)$/

/** Applies `HAKURIVER_SECTION__KEY=value` overrides; values are JSON when they parse as JSON. */
const applyOverrides = (raw: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>) => {
  const out: Record<string, unknown> = { ...raw }
  for (const [name, value] of Object.entries(env)) {
    const m = overridePattern.exec(name)
    if (m === null || value === undefined) continue
    const section = m[1]!.toLowerCase()
    const key = m[2]!.toLowerCase()
    let parsed: unknown = value
    try {
      parsed = JSON.parse(value)
    } catch {
      parsed = value
    }
    const current = out[section]
    out[section] = { ...(typeof current === "object" && current !== null ? current : {}), [key]: parsed }
  }
  return out
}

const decode = Schema.decodeUnknownEither(HakuRiverConfig, { onExcessProperty: "error", errors: "all" })

const describe = (source: string, error: ParseResult.ParseError): ConfigError => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const key = first?.path.map(String).join(".")
  const detail = first?.message.replace(/^is unexpected, expected: .*/, "unknown key") ?? "invalid"
  return new ConfigError({ source, ...(key ? { key } : {}), detail })
}

/** Turns an already-parsed object (e.g. from tests or an embedding program) into a config. */
export const fromObject = (
  raw: unknown,
  source = "(object)",
  home: string = os.homedir()
): Either.Either<HakuRiverConfig, ConfigError> =>
  Either.map(
    Either.mapLeft(decode(raw), (e) => describe(source, e)),
    (c) => expandPaths(c, home)
  )

const expandPaths = (c: HakuRiverConfig, home: string): HakuRiverConfig => ({
  ...c,
  paths: {
    ...c.paths,
    shared_dir: expandHome(c.paths.shared_dir, home),
    local_temp_dir: expandHome(c.paths.local_temp_dir, home)
  },
  database: { db_file: expandHome(c.database.db_file, home) },
  security: { ...c.security, token_file: expandHome(c.security.token_file, home) }
})

/** Picks the file to read, or `undefined` for the defaults. */
export const resolveConfigPath = (options: LoadOptions = {}): string | undefined => {
  const env = options.env ?? process.env
  if (options.path) return options.path
  if (env["HAKURIVER_CONFIG"]) return env["HAKURIVER_CONFIG"]
  const fallback = defaultConfigPath(options.home)
  return fs.existsSync(fallback) ? fallback : undefined
}

/**
 * Loads the configuration.
 * @category constructors
 */
export const loadConfig = (options: LoadOptions = {}): Effect.Effect<HakuRiverConfig, ConfigError> =>
  Effect.gen(function* () {
    const env = options.env ?? process.env
    const home = options.home ?? os.homedir()
    const file = resolveConfigPath(options)
    const raw = file === undefined ? {} : yield* readToml(file)
    const source = file ?? "(defaults)"
    const merged = applyOverrides(raw, env)
    const config = yield* Either.mapLeft(decode(merged), (e) => describe(source, e))
    const expanded = expandPaths(config, home)
    return yield* withTokenFile(expanded)
  }).pipe(Effect.withSpan("Config.load"))

const withTokenFile = (c: HakuRiverConfig): Effect.Effect<HakuRiverConfig, ConfigError> =>
  c.security.token !== "" || c.security.token_file === ""
    ? Effect.succeed(c)
    : Effect.try({
        try: () => ({
          ...c,
          security: { ...c.security, token: fs.readFileSync(c.security.token_file, "utf8").trim() }
        }),
        catch: () =>
          new ConfigError({
            source: c.security.token_file,
            key: "security.token_file",
            detail: "cannot read the token file"
          })
      })
