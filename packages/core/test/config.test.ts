import * as path from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Either } from "effect"
import fc from "fast-check"
import { parse as parseToml } from "smol-toml"
import {
  type ConfigError,
  defaultConfig,
  type HakuRiverConfig,
  defaultConfigPath,
  fromObject,
  loadConfig,
  renderConfig,
  resolveConfigPath
} from "../src/config/index.js"

/** A fresh home directory per test, removed when the test ends. */
const tempHome = Effect.flatMap(FileSystem.FileSystem, (fs) =>
  fs.makeTempDirectoryScoped({ prefix: "hakuriver-config-" })
)

const write = (file: string, text: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.zipRight(fs.makeDirectory(path.dirname(file), { recursive: true }), fs.writeFileString(file, text))
  )

const failure = <A>(effect: Effect.Effect<A, ConfigError>) =>
  Effect.flatMap(Effect.flip(effect), (e) => Effect.succeed(e.message))

layer(NodeContext.layer)("config", (it) => {
  describe("defaults", () => {
    it.scoped("with no file anywhere, every key has its default (paths under the home)", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const config = yield* loadConfig({ env: {}, home })
        expect(config.network.host_port).toBe(8000)
        expect(config.network.runner_port).toBe(8001)
        expect(config.paths.shared_dir).toBe(path.join(home, ".hakuriver/shared"))
        expect(config.database.db_file).toBe(path.join(home, ".hakuriver/hakuriver.db"))
        expect(config.docker.default_container_name).toBe("hakuriver-base")
        expect(config.scheduler.policy).toBe("first-fit")
        expect(config.security.token).toBe("")
      })
    )

    it.effect("the rendered default file parses back to the defaults", () =>
      Effect.sync(() => {
        const parsed = parseToml(renderConfig())
        expect(Either.getOrThrow(fromObject(parsed, "rendered", "/h"))).toEqual(
          Either.getOrThrow(fromObject({}, "empty", "/h"))
        )
        expect(renderConfig()).toMatch(/^# HakuRiver configuration/)
        const withToken = parseToml(renderConfig(defaultConfig, "s3cret")) as { security: { token: string } }
        expect(withToken.security.token).toBe("s3cret")
      })
    )
  })

  describe("lookup order", () => {
    it.scoped("--config beats $HAKURIVER_CONFIG, which beats ~/.hakuriver/config.toml", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const explicit = path.join(home, "explicit.toml")
        const fromEnv = path.join(home, "env.toml")
        yield* write(explicit, "[network]\nhost_port = 1111\n")
        yield* write(fromEnv, "[network]\nhost_port = 2222\n")
        yield* write(defaultConfigPath(home), "[network]\nhost_port = 3333\n")
        const env = { HAKURIVER_CONFIG: fromEnv }
        expect((yield* loadConfig({ path: explicit, env, home })).network.host_port).toBe(1111)
        expect((yield* loadConfig({ env, home })).network.host_port).toBe(2222)
        expect((yield* loadConfig({ env: {}, home })).network.host_port).toBe(3333)
        expect(resolveConfigPath({ env: {}, home })).toBe(defaultConfigPath(home))
        expect(resolveConfigPath({ env: {}, home: path.join(home, "nobody") })).toBeUndefined()
      })
    )

    it.scoped("an explicit file must exist", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const missing = path.join(home, "missing.toml")
        expect(yield* failure(loadConfig({ path: missing, env: {}, home }))).toBe(
          `config ${missing}: file not found`
        )
        expect(yield* failure(loadConfig({ env: { HAKURIVER_CONFIG: missing }, home }))).toBe(
          `config ${missing}: file not found`
        )
      })
    )

    it.scoped("reads every section of a TOML file and expands ~", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const file = path.join(home, "c.toml")
        yield* write(
          file,
          [
            "[network]",
            'host_reachable_address = "10.0.0.1"',
            'runner_name = "gpu-1"',
            "[paths]",
            'shared_dir = "~/cluster"',
            "[docker]",
            'additional_mounts = ["/data:/data"]',
            "tasks_privileged = true",
            "[runner]",
            'max_memory = "8G"',
            'executor = "process"',
            "[scheduler]",
            'policy = "round-robin"',
            "[security]",
            'token = "abc"'
          ].join("\n")
        )
        const c = yield* loadConfig({ path: file, env: {}, home })
        expect(c.network.host_reachable_address).toBe("10.0.0.1")
        expect(c.network.runner_name).toBe("gpu-1")
        expect(c.network.host_port).toBe(8000)
        expect(c.paths.shared_dir).toBe(path.join(home, "cluster"))
        expect(c.docker.additional_mounts).toEqual(["/data:/data"])
        expect(c.docker.tasks_privileged).toBe(true)
        expect(c.runner.max_memory).toBe("8G")
        expect(c.runner.executor).toBe("process")
        expect(c.scheduler.policy).toBe("round-robin")
        expect(c.security.token).toBe("abc")
      })
    )

    it.scoped("reads the token from token_file when token is empty", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const file = path.join(home, "c.toml")
        yield* write(path.join(home, "token"), "t0ken\n")
        yield* write(file, '[security]\ntoken_file = "~/token"\n')
        expect((yield* loadConfig({ path: file, env: {}, home })).security.token).toBe("t0ken")
        yield* write(file, '[security]\ntoken_file = "~/nope"\n')
        expect(yield* failure(loadConfig({ path: file, env: {}, home }))).toBe(
          `config ${path.join(home, "nope")} key "security.token_file": cannot read the token file`
        )
      })
    )
  })

  describe("environment overrides", () => {
    it.scoped("HAKURIVER_SECTION__KEY beats the file, typed like the key", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const file = path.join(home, "c.toml")
        yield* write(file, '[network]\nhost_port = 1111\nrunner_name = "a"\n')
        const c = yield* loadConfig({
          path: file,
          home,
          env: {
            HAKURIVER_NETWORK__HOST_PORT: "9000",
            HAKURIVER_NETWORK__RUNNER_NAME: "123",
            HAKURIVER_DOCKER__TASKS_PRIVILEGED: "true",
            HAKURIVER_DOCKER__ADDITIONAL_MOUNTS: "/a:/a, /b:/b",
            HAKURIVER_SECURITY__ALLOWED_MOUNT_PREFIXES: '["/data"]',
            HAKURIVER_RUNNER__MAX_MEMORY: "4G",
            HAKURIVER_TIMING__HEARTBEAT_INTERVAL: "0.5"
          }
        })
        expect(c.network.host_port).toBe(9000)
        expect(c.network.runner_name).toBe("123")
        expect(c.docker.tasks_privileged).toBe(true)
        expect(c.docker.additional_mounts).toEqual(["/a:/a", "/b:/b"])
        expect(c.security.allowed_mount_prefixes).toEqual(["/data"])
        expect(c.runner.max_memory).toBe("4G")
        expect(c.timing.heartbeat_interval).toBe(0.5)
      })
    )

    it.scoped("a bad override names the variable, the key and the expected type", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        expect(yield* failure(loadConfig({ home, env: { HAKURIVER_NETWORK__HOST_PORT: "x" } }))).toBe(
          'config HAKURIVER_NETWORK__HOST_PORT key "network.host_port": Expected number, actual "x"'
        )
        expect(yield* failure(loadConfig({ home, env: { HAKURIVER_NETWORK__HOST_PROT: "1" } }))).toBe(
          'config HAKURIVER_NETWORK__HOST_PROT key "network.host_prot": unknown key'
        )
      })
    )
  })

  describe("errors name the file, the key and what was expected", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      [
        "wrong type",
        '[network]\nhost_port = "abc"\n',
        'key "network.host_port": Expected number, actual "abc"'
      ],
      [
        "port out of range",
        "[network]\nhost_port = 70000\n",
        'key "network.host_port": Expected a number between 0 and 65535, actual 70000'
      ],
      ["unknown key", "[network]\nhost_prot = 1\n", 'key "network.host_prot": unknown key'],
      ["unknown section", "[netwrk]\nhost_port = 1\n", 'key "netwrk": unknown key'],
      [
        "value not among the choices",
        '[runner]\nexecutor = "dockr"\n',
        'key "runner.executor": Expected "auto" | "docker" | "systemd" | "process", actual "dockr"'
      ],
      [
        "policy not among the choices",
        '[scheduler]\npolicy = "random"\n',
        'key "scheduler.policy": Expected "first-fit" | "least-loaded" | "round-robin", actual "random"'
      ],
      [
        "negative seconds",
        "[timing]\nheartbeat_interval = -1\n",
        'key "timing.heartbeat_interval": Expected a positive number, actual -1'
      ],
      [
        "list expected",
        '[docker]\nadditional_mounts = "/a:/a"\n',
        'key "docker.additional_mounts": Expected ReadonlyArray<string>, actual "/a:/a"'
      ],
      ["bad TOML", "[network\nhost_port = 1\n", ": Invalid TOML document: "]
    ]
    for (const [name, text, expected] of cases) {
      it.scoped(name, () =>
        Effect.gen(function* () {
          const home = yield* tempHome
          const file = path.join(home, "bad.toml")
          yield* write(file, text)
          const message = yield* failure(loadConfig({ path: file, env: {}, home }))
          expect(message.startsWith(`config ${file}`)).toBe(true)
          expect(message).toContain(expected)
          expect(message).not.toContain("\n")
        })
      )
    }

    it.scoped("a TOML syntax error gives its line and column", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const file = path.join(home, "bad.toml")
        yield* write(file, "[network]\nhost_port = = 1\n")
        expect(yield* failure(loadConfig({ path: file, env: {}, home }))).toMatch(/\(line 2, column \d+\)$/)
      })
    )
  })

  describe("properties", () => {
    const text = fc.string({ maxLength: 20 }).filter((v) => !v.startsWith("~"))
    const config = fc.record({
      port: fc.integer({ min: 0, max: 65535 }),
      address: text,
      name: text,
      mounts: fc.array(text, { maxLength: 3 }),
      privileged: fc.boolean(),
      interval: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
      policy: fc.constantFrom("first-fit" as const, "least-loaded" as const, "round-robin" as const)
    })
    it.effect("any valid config survives renderConfig and loading", () =>
      Effect.sync(() => {
        fc.assert(
          fc.property(config, (v) => {
            const c: HakuRiverConfig = {
              ...defaultConfig,
              network: {
                ...defaultConfig.network,
                host_port: v.port,
                host_reachable_address: v.address,
                runner_name: v.name
              },
              docker: {
                ...defaultConfig.docker,
                additional_mounts: v.mounts,
                tasks_privileged: v.privileged
              },
              timing: { ...defaultConfig.timing, heartbeat_interval: v.interval },
              scheduler: { policy: v.policy }
            }
            const loaded = Either.getOrThrow(fromObject(parseToml(renderConfig(c)), "rendered", "/h"))
            expect(loaded).toEqual(Either.getOrThrow(fromObject(c, "object", "/h")))
          })
        )
      })
    )

    it.scoped("a text override is taken verbatim, whatever it looks like", () =>
      Effect.gen(function* () {
        const home = yield* tempHome
        const values = fc.sample(fc.string({ minLength: 1, maxLength: 30 }), 50)
        for (const value of [...values, "123", "true", '["x"]', "null", "1e3"]) {
          const c = yield* loadConfig({ home, env: { HAKURIVER_NETWORK__RUNNER_NAME: value } })
          expect(c.network.runner_name).toBe(value)
        }
      })
    )
  })

  describe("fromObject", () => {
    it.effect("names its source and refuses unknown keys", () =>
      Effect.sync(() => {
        const result = fromObject({ network: { host_port: 1, bogus: true } }, "embedded")
        expect(Either.isLeft(result) && result.left.message).toBe(
          'config embedded key "network.bogus": unknown key'
        )
      })
    )
  })
})
