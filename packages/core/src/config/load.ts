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
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { parse as parseToml, TomlError } from "smol-toml"
import { ConfigError } from "./ConfigError.js"
import { defaultConfig, HakuRiverConfig } from "./schema.js"

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
    catch: (e) => new ConfigError({ source: file, detail: readProblem(e) })
  })

/** A one-line reason a file could not be read or parsed (with line and column for TOML). */
const readProblem = (e: unknown): string => {
  if (e instanceof TomlError) {
    const first = e.message.split("\n")[0] ?? "invalid TOML"
    return `${first} (line ${e.line}, column ${e.column})`
  }
  const code = (e as NodeJS.ErrnoException).code
  if (code === "ENOENT") return "file not found"
  if (code === "EACCES") return "permission denied"
  return String((e as Error).message).split("\n")[0] ?? "unreadable"
}

const overridePattern = /^HAKURIVER_([A-Z0-9]+)__([A-Z0-9_]+)$/

/**
 * Turns an override's text into the type of the key's default: strings stay as typed (so
 * `runner_name=123` is the name "123"), numbers and booleans are parsed, lists are JSON
 * (`["/a:/b"]`) or comma-separated (`/a:/b,/c:/d`). Text that does not fit is passed on as is,
 * so validation reports it.
 */
const coerce = (value: string, current: unknown): unknown => {
  if (typeof current === "number") return /^-?[0-9]+(\.[0-9]+)?$/.test(value.trim()) ? Number(value) : value
  if (typeof current === "boolean") return value === "true" ? true : value === "false" ? false : value
  if (Array.isArray(current)) {
    if (value.trim().startsWith("[")) {
      try {
        return JSON.parse(value)
      } catch {
        return value
      }
    }
    return value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0)
  }
  return value
}

const defaultOf = (section: string, key: string): unknown => {
  const values: unknown = (defaultConfig as Record<string, unknown>)[section]
  return typeof values === "object" && values !== null ? (values as Record<string, unknown>)[key] : undefined
}

interface Overridden {
  readonly raw: Record<string, unknown>
  /** `section.key` → the environment variable that set it. */
  readonly origins: ReadonlyMap<string, string>
}

/** Applies `HAKURIVER_SECTION__KEY=value` overrides on top of the file's values. */
const applyOverrides = (
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>
): Overridden => {
  const out: Record<string, unknown> = { ...raw }
  const origins = new Map<string, string>()
  for (const [name, value] of Object.entries(env)) {
    const m = overridePattern.exec(name)
    if (m === null || value === undefined) continue
    const section = m[1]!.toLowerCase()
    const key = m[2]!.toLowerCase()
    const current = out[section]
    out[section] = {
      ...(typeof current === "object" && current !== null ? current : {}),
      [key]: coerce(value, defaultOf(section, key))
    }
    origins.set(`${section}.${key}`, name)
  }
  return { raw: out, origins }
}

const decode = Schema.decodeUnknownEither(HakuRiverConfig, { onExcessProperty: "error", errors: "all" })

const describe = (
  source: string,
  error: ParseResult.ParseError,
  origins: ReadonlyMap<string, string> = new Map()
): ConfigError => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const first = issues[0]
  const key = first?.path.map(String).join(".") ?? ""
  // a union (e.g. executor = "auto" | "docker" | ...) yields one issue per member at one path
  const expected = issues
    .filter((i) => i.path.map(String).join(".") === key)
    .map((i) => /^Expected (.*), actual (.*)$/s.exec(i.message))
  const detail =
    first === undefined
      ? "invalid"
      : /^is unexpected, expected: /.test(first.message)
        ? "unknown key"
        : expected.length > 1 && expected.every((m) => m !== null)
          ? `Expected ${expected.map((m) => m?.[1]).join(" | ")}, actual ${expected[0]?.[2]}`
          : first.message
  const origin = [...origins].find(([k]) => k === key || k.startsWith(`${key}.`))?.[1]
  return new ConfigError({ source: origin ?? source, ...(key ? { key } : {}), detail })
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
    const config = yield* Either.mapLeft(decode(merged.raw), (e) => describe(source, e, merged.origins))
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
