/**
 * `hakuriver docker …`: Docker environments on the host — persistent env containers, their
 * tarballs, and an interactive shell into them.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import {
  DockerEnvs,
  type EnvContainer,
  HakuRiverClient,
  parseEnvName,
  type TarballInfo,
  type TarProgress
} from "@hakuriver/sdk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Option from "effect/Option"
import { CliFailure, ExitCode } from "../CliFailure.js"
import { clientLayer, configOption, jsonOption } from "../options.js"
import { runShell } from "../terminal/ShellClient.js"

/** The docker calls of the client of `--config` (HAKURIVER_URL / HAKURIVER_TOKEN still win). */
const envCalls = Effect.map(HakuRiverClient, DockerEnvs.ofClient)

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

const envArg = Args.text({ name: "ENV" }).pipe(
  Args.withDescription("environment name: lower-case letters, digits, '.', '_', '-' (at most 64)"),
  Args.mapEffect((input) =>
    Either.match(parseEnvName(input), {
      onLeft: (e) => Effect.fail(HelpDoc.p(e.message)),
      onRight: Effect.succeed
    })
  )
)

const imageArg = Args.text({ name: "IMAGE" }).pipe(
  Args.withDescription("the Docker image to start from (local, else pulled when a registry answers)")
)

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}

const humanBytes = (n: number): string => {
  const units = ["B", "kB", "MB", "GB", "TB"]
  let value = n
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`
}

const isoOf = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString()

const showContainers = (containers: ReadonlyArray<EnvContainer>, json: boolean) =>
  json
    ? Console.log(JSON.stringify(containers, null, 2))
    : containers.length === 0
      ? Console.log(
          "no environment containers (create one with: hakuriver docker create-container IMAGE ENV)"
        )
      : Console.log(
          table(
            ["ENV", "STATE", "IMAGE", "CONTAINER"],
            containers.map((c) => [c.env, c.state, c.image, c.containerId.slice(0, 12)])
          )
        )

const showContainer = (container: EnvContainer, json: boolean) =>
  json
    ? Console.log(JSON.stringify(container, null, 2))
    : Console.log(
        `${container.env}: ${container.state} (${container.image}, ${container.containerId.slice(0, 12)})`
      )

const showTars = (tars: ReadonlyArray<TarballInfo>, json: boolean) =>
  json
    ? Console.log(JSON.stringify(tars, null, 2))
    : tars.length === 0
      ? Console.log("no tarballs (package an environment with: hakuriver docker create-tar ENV)")
      : Console.log(
          table(
            ["ENV", "NEWEST", "SIZE", "VERSIONS", "FILE"],
            tars.map((t) => [
              t.env,
              isoOf(t.timestamp),
              humanBytes(t.sizeBytes),
              String(t.versions.length),
              t.file
            ])
          )
        )

// ---------------------------------------------------------------------------------------------
// Subcommands
// ---------------------------------------------------------------------------------------------

/** Runs `f` with the docker calls of the client of `--config`. */
const withEnvs = <A, E>(
  config: Option.Option<string>,
  f: (envs: DockerEnvs.DockerEnvCalls) => Effect.Effect<A, E>
) => Effect.flatMap(envCalls, f).pipe(Effect.provide(clientLayer(config)))

const listContainersCommand = Command.make(
  "list-containers",
  { config: configOption, json: jsonOption },
  ({ config, json }) =>
    withEnvs(config, (envs) => Effect.flatMap(envs.listContainers(), (all) => showContainers(all, json)))
).pipe(
  Command.withDescription(
    "List the environment containers on the host (env, state, image, container id).\n\n" +
      "Examples:\n  hakuriver docker list-containers\n  hakuriver docker list-containers --json"
  )
)

const createContainerCommand = Command.make(
  "create-container",
  { config: configOption, json: jsonOption, image: imageArg, env: envArg },
  ({ config, env, image, json }) =>
    withEnvs(config, (envs) =>
      Effect.flatMap(envs.createContainer(image, env), (c) => showContainer(c, json))
    )
).pipe(
  Command.withDescription(
    "Create the persistent container of environment ENV from IMAGE on the host. It keeps running\n" +
      "so you can `hakuriver docker shell ENV` into it. IMAGE is pulled when it is not on the host\n" +
      "and a registry answers. An ENV that already has a container is an error.\n\n" +
      "Example:\n  hakuriver docker create-container python:3.12-slim torch"
  )
)

const startContainerCommand = Command.make(
  "start-container",
  { config: configOption, json: jsonOption, env: envArg },
  ({ config, env, json }) =>
    withEnvs(config, (envs) => Effect.flatMap(envs.startContainer(env), (c) => showContainer(c, json)))
).pipe(
  Command.withDescription("Start the container of ENV.\n\nExample:\n  hakuriver docker start-container torch")
)

const stopContainerCommand = Command.make(
  "stop-container",
  { config: configOption, json: jsonOption, env: envArg },
  ({ config, env, json }) =>
    withEnvs(config, (envs) => Effect.flatMap(envs.stopContainer(env), (c) => showContainer(c, json)))
).pipe(
  Command.withDescription(
    "Stop the container of ENV (its files are kept).\n\nExample:\n  hakuriver docker stop-container torch"
  )
)

const deleteContainerCommand = Command.make(
  "delete-container",
  { config: configOption, env: envArg },
  ({ config, env }) =>
    withEnvs(config, (envs) =>
      Effect.zipRight(
        envs.deleteContainer(env),
        Console.log(`deleted the container of ${env} (its tarballs are kept)`)
      )
    )
).pipe(
  Command.withDescription(
    "Delete the container of ENV. Its tarballs stay, so tasks still run in ENV.\n\n" +
      "Example:\n  hakuriver docker delete-container torch"
  )
)

/** Progress lines on stderr: one rewritten line on a terminal, else a line per change. */
const progressPrinter = (env: string) => {
  const tty = process.stderr.isTTY === true
  let last = ""
  return {
    onProgress: (p: TarProgress) => {
      const key = `${p.phase}:${p.bytesWritten}`
      if (p.phase === "idle" || p.phase === "failed" || key === last) return
      last = key
      const text =
        p.phase === "committing"
          ? `committing ${env}…`
          : `${p.phase === "done" ? "saved" : "saving"} ${env}: ${humanBytes(p.bytesWritten)} written`
      process.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`)
    },
    done: Effect.sync(() => {
      if (tty && last !== "") process.stderr.write("\n")
    })
  }
}

const createTarCommand = Command.make(
  "create-tar",
  { config: configOption, json: jsonOption, env: envArg },
  ({ config, env, json }) =>
    withEnvs(config, (envs) =>
      Effect.gen(function* () {
        const progress = progressPrinter(env)
        const info = yield* envs
          .createTar(env, { onProgress: progress.onProgress })
          .pipe(Effect.ensuring(progress.done))
        yield* json
          ? Console.log(JSON.stringify(info, null, 2))
          : Console.log(`${info.file}: ${humanBytes(info.sizeBytes)} (image hakuriver/${info.env}:base)`)
      })
    )
).pipe(
  Command.withDescription(
    "Package the container of ENV: commit it to image hakuriver/ENV:base and save that as a new\n" +
      "ENV-UNIXSECONDS.tar in the shared tarball folder (written to a temporary file and renamed\n" +
      "when complete); older tarballs of ENV are removed. The container keeps running. Runners load\n" +
      "the newest tarball before a task runs in ENV. Progress (bytes written) goes to stderr.\n\n" +
      "Example:\n  hakuriver docker create-tar torch"
  )
)

const listTarsCommand = Command.make(
  "list-tars",
  { config: configOption, json: jsonOption },
  ({ config, json }) =>
    withEnvs(config, (envs) => Effect.flatMap(envs.listTars(), (tars) => showTars(tars, json)))
).pipe(
  Command.withDescription(
    "List the packaged environments: env, newest timestamp, size, number of versions, file.\n\n" +
      "Examples:\n  hakuriver docker list-tars\n  hakuriver docker list-tars --json"
  )
)

const shellCommand = Command.make("shell", { config: configOption, env: envArg }, ({ config, env }) =>
  Effect.gen(function* () {
    const client = yield* HakuRiverClient
    const url = yield* DockerEnvs.ofClient(client).shellUrl(env)
    const code = yield* runShell({ url, token: client.connection.token }).pipe(
      Effect.mapError(
        (e) =>
          new CliFailure({
            message: e.message,
            exitCode: e.status === 401 || e.status === undefined ? ExitCode.unreachable : ExitCode.usage
          })
      )
    )
    if (code !== 0) return yield* Effect.fail(new CliFailure({ message: "", exitCode: code }))
  }).pipe(Effect.provide(clientLayer(config)))
).pipe(
  Command.withDescription(
    "Open an interactive shell (bash, else sh) in the container of ENV, through the host's\n" +
      "terminal WebSocket: works from any machine that reaches the host. The terminal is put in raw\n" +
      "mode and resizes are forwarded; the shell's exit code becomes the command's.\n\n" +
      "Example:\n  hakuriver docker shell torch"
  )
)

/**
 * `hakuriver docker`: every environment subcommand.
 * @category commands
 */
export const docker = Command.make("docker").pipe(
  Command.withDescription(
    "Docker environments on the host: create a container, shell into it, package it as a tarball\n" +
      "that every runner loads.\n\n" +
      "Example:\n" +
      "  hakuriver docker create-container python:3.12-slim torch\n" +
      "  hakuriver docker shell torch        # pip install …, then exit\n" +
      "  hakuriver docker create-tar torch\n" +
      "  hakuriver submit --container torch -- python -c 'import torch'"
  ),
  Command.withSubcommands([
    listContainersCommand,
    createContainerCommand,
    startContainerCommand,
    stopContainerCommand,
    deleteContainerCommand,
    createTarCommand,
    listTarsCommand,
    shellCommand
  ])
)
