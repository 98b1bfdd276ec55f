/**
 * What a user submits: the command (an argument array, never a shell string), resources,
 * targets, container and mounts.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ContainerChoice } from "./EnvName.js"
import { Bytes, Cores } from "./Memory.js"
import { formatTarget, TargetFromString } from "./Target.js"

const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/
const envValue = Schema.String.pipe(
  Schema.filter((v) => (v.includes("\0") ? "environment values must not contain NUL bytes" : true)),
  Schema.maxLength(65536)
)

/**
 * Environment variables of a task. A bad name is an error (a record with a refined key schema
 * would silently drop it).
 * @category models
 */
export const TaskEnv = Schema.Record({ key: Schema.String, value: envValue }).pipe(
  Schema.filter((env) => {
    const bad = Object.keys(env).find((k) => !envKeyPattern.test(k))
    return bad === undefined
      ? true
      : `invalid environment variable name ${JSON.stringify(bad)}: use letters, digits and '_', not starting with a digit`
  })
)

/**
 * A bind mount `HOST:CONTAINER` (both absolute, no `..`), optionally `:ro`.
 * @category models
 */
export const Mount = Schema.String.pipe(
  Schema.filter((s) => {
    const parts = s.split(":")
    const [host, container, mode] = parts
    if (parts.length < 2 || parts.length > 3) return "a mount is HOST:CONTAINER or HOST:CONTAINER:ro"
    if (mode !== undefined && mode !== "ro" && mode !== "rw") return "the mount mode must be ro or rw"
    const ok = (p: string | undefined) =>
      p?.startsWith("/") && !p.split("/").includes("..") && !p.includes("\0")
    return ok(host) && ok(container) ? true : "mount paths must be absolute and must not contain '..'"
  }),
  Schema.annotations({ identifier: "Mount" })
)

/** The command: a non-empty argument array; element 0 is the program. */
export const Command = Schema.NonEmptyArray(
  Schema.String.pipe(Schema.filter((a) => (a.includes("\0") ? "arguments must not contain NUL bytes" : true)))
).pipe(Schema.annotations({ identifier: "Command" }))

/** Targets: at most 1024, none twice (a repeated target would run the task twice there). */
const Targets = Schema.Array(TargetFromString).pipe(
  Schema.maxItems(1024),
  Schema.filter((targets) => {
    const seen = new Set<string>()
    for (const t of targets) {
      const text = formatTarget(t)
      if (seen.has(text)) return `duplicate target ${JSON.stringify(text)}: name each target once`
      seen.add(text)
    }
    return true
  })
)

/**
 * A submission. With several targets the host creates one task per target sharing a batch id;
 * with none it places the task by the configured policy.
 * @category models
 */
export class TaskSpec extends Schema.Class<TaskSpec>("TaskSpec")({
  command: Command,
  env: Schema.optionalWith(TaskEnv, { default: () => ({}) }),
  cores: Schema.optionalWith(Cores, { default: () => Cores.make(1) }),
  memoryBytes: Schema.optional(Bytes.pipe(Schema.positive())),
  targets: Schema.optionalWith(Targets, { default: () => [] }),
  container: Schema.optional(ContainerChoice),
  privileged: Schema.optional(Schema.Boolean),
  mounts: Schema.optional(Schema.Array(Mount).pipe(Schema.maxItems(64)))
}) {}
