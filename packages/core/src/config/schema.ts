/**
 * The HakuRiver configuration: one TOML file whose sections and key names are the original
 * HakuRiver's, so its users' files keep working. Every key has a default.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const withDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.optionalWith(schema, { default: () => value, exact: true })

const Port = Schema.Int.pipe(Schema.between(0, 65535))
const Seconds = Schema.Number.pipe(Schema.positive())

/** `[network]` @category models */
export const NetworkConfig = Schema.Struct({
  host_bind_ip: withDefault(Schema.String, "0.0.0.0"),
  host_port: withDefault(Port, 8000),
  host_reachable_address: withDefault(Schema.String, "127.0.0.1"),
  runner_bind_ip: withDefault(Schema.String, "0.0.0.0"),
  runner_address: withDefault(Schema.String, "127.0.0.1"),
  runner_port: withDefault(Port, 8001),
  runner_name: withDefault(Schema.String, "")
})

/** `[paths]` @category models */
export const PathsConfig = Schema.Struct({
  shared_dir: withDefault(Schema.String, "~/.hakuriver/shared"),
  local_temp_dir: withDefault(Schema.String, "~/.hakuriver/temp"),
  numactl_path: withDefault(Schema.String, "")
})

/** `[database]` @category models */
export const DatabaseConfig = Schema.Struct({
  db_file: withDefault(Schema.String, "~/.hakuriver/hakuriver.db")
})

/** `[timing]` @category models */
export const TimingConfig = Schema.Struct({
  heartbeat_interval: withDefault(Seconds, 5),
  heartbeat_timeout_factor: withDefault(Seconds, 6),
  cleanup_check_interval: withDefault(Seconds, 10)
})

/** `[docker]` @category models */
export const DockerConfig = Schema.Struct({
  container_dir: withDefault(Schema.String, "hakuriver-containers"),
  default_container_name: withDefault(Schema.String, "hakuriver-base"),
  initial_base_image: withDefault(Schema.String, "python:3.12-alpine"),
  tasks_privileged: withDefault(Schema.Boolean, false),
  additional_mounts: withDefault(Schema.Array(Schema.String), []),
  network: withDefault(Schema.String, "host")
})

/** `[runner]` @category models */
export const RunnerConfig = Schema.Struct({
  max_cores: withDefault(Schema.Number.pipe(Schema.nonNegative()), 0),
  max_memory: withDefault(Schema.Union(Schema.NonNegativeInt, Schema.String), 0),
  /** `auto` (Docker, else systemd, else process), or one of them. */
  executor: withDefault(Schema.Literal("auto", "docker", "systemd", "process"), "auto")
})

/** `[scheduler]` @category models */
export const SchedulerConfig = Schema.Struct({
  policy: withDefault(Schema.Literal("first-fit", "least-loaded", "round-robin"), "first-fit")
})

/** `[security]` @category models */
export const SecurityConfig = Schema.Struct({
  token: withDefault(Schema.String, ""),
  token_file: withDefault(Schema.String, ""),
  allow_privileged: withDefault(Schema.Boolean, true),
  allowed_mount_prefixes: withDefault(Schema.Array(Schema.String), [])
})

/**
 * The whole configuration. Unknown sections or keys are errors (a typo must not be silently
 * ignored).
 * @category models
 */
export const HakuRiverConfig = Schema.Struct({
  network: withDefault(NetworkConfig, Schema.decodeSync(NetworkConfig)({})),
  paths: withDefault(PathsConfig, Schema.decodeSync(PathsConfig)({})),
  database: withDefault(DatabaseConfig, Schema.decodeSync(DatabaseConfig)({})),
  timing: withDefault(TimingConfig, Schema.decodeSync(TimingConfig)({})),
  docker: withDefault(DockerConfig, Schema.decodeSync(DockerConfig)({})),
  runner: withDefault(RunnerConfig, Schema.decodeSync(RunnerConfig)({})),
  scheduler: withDefault(SchedulerConfig, Schema.decodeSync(SchedulerConfig)({})),
  security: withDefault(SecurityConfig, Schema.decodeSync(SecurityConfig)({}))
})
/** @category models */
export type HakuRiverConfig = typeof HakuRiverConfig.Type

/** The configuration with every key at its default. @category constructors */
export const defaultConfig: HakuRiverConfig = Schema.decodeUnknownSync(HakuRiverConfig)({})
