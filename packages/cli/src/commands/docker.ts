/**
 * `hakuriver docker …`: Docker environments on the host — persistent env containers, their
 * tarballs, and an interactive shell into them.
 *
 * @since 0.1.0
 */
import { Args, Command, HelpDoc, Options } from "@effect/cli"
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import {
  DockerEnvs,
  type EnvContainer,
  HostApi,
  loadConfig,
  parseEnvName,
  type TarballInfo
} from "@hakuriver/sdk"
import { Console, Effect, Either, Option } from "effect"
import { runShell } from "../terminal/ShellClient.js"

const {
  createContainer,
  createTar,
  deleteContainer,
  listContainers,
  listTars,
  shellUrl,
  startContainer,
  stopContainer
} = DockerEnvs

// ---------------------------------------------------------------------------------------------
// Connection (until the shared client service of the CLI lands)
// ---------------------------------------------------------------------------------------------

const configOption = Options.file("config").pipe(
  Options.withDescription("the config file (else $HAKURIVER_CONFIG, else ~/.hakuriver/config.toml)"),
  Options.optional
)

const jsonOption = Options.boolean("json").pipe(Options.withDescription("print JSON instead of a table"))

interface Host {
  readonly url: string
  readonly token: string
}

const hostOf = (config: Option.Option<string>) =>
  Effect.gen(function* () {
    const env = process.env
    const loaded = yield* loadConfig({ path: Option.getOrUndefined(config), env })
    const url =
      env["HAKURIVER_URL"] !== undefined && env["HAKURIVER_URL"] !== ""
        ? env["HAKURIVER_URL"]
        : `http://${loaded.network.host_reachable_address}:${loaded.network.host_port}`
    const token = env["HAKURIVER_TOKEN"] ?? loaded.security.token
    return { url: url.replace(/\/+$/, ""), token } satisfies Host
  })

const clientOf = (host: Host) =>
  HttpApiClient.make(HostApi, {
    baseUrl: host.url,
    transformClient: (client) =>
      host.token === "" ? client : HttpClient.mapRequest(client, HttpClientRequest.bearerToken(host.token))
  }).pipe(Effect.provide(FetchHttpClient.layer))

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

const listContainersCommand = Command.make(
  "list-containers",
  { config: configOption, json: jsonOption },
  ({ config, json }) =>
    Effect.gen(function* () {
      const client = yield* clientOf(yield* hostOf(config))
      yield* showContainers(yield* listContainers(client), json)
    })
).pipe(
  Command.withDescription(
    "List the environment containers on the host.\n\nExample:\n  hakuriver docker list-containers --json"
  )
)

const createContainerCommand = Command.make(
  "create-container",
  { config: configOption, json: jsonOption, image: imageArg, env: envArg },
  ({ config, env, image, json }) =>
    Effect.gen(function* () {
      const client = yield* clientOf(yield* hostOf(config))
      yield* showContainer(yield* createContainer(client, image, env), json)
    })
).pipe(
  Command.withDescription(
    "Create the persistent container of an environment from IMAGE; it keeps running so you can\n" +
      "`hakuriver docker shell ENV` into it. An existing ENV is an error.\n\n" +
      "Example:\n  hakuriver docker create-container python:3.12-slim torch"
  )
)

const stateCommand = (
  name: "start-container" | "stop-container",
  description: string,
  call: typeof startContainer
) =>
  Command.make(name, { config: configOption, json: jsonOption, env: envArg }, ({ config, env, json }) =>
    Effect.gen(function* () {
      const client = yield* clientOf(yield* hostOf(config))
      yield* showContainer(yield* call(client, env), json)
    })
  ).pipe(Command.withDescription(description))

const startContainerCommand = stateCommand(
  "start-container",
  "Start the container of ENV.\n\nExample:\n  hakuriver docker start-container torch",
  startContainer
)

const stopContainerCommand = stateCommand(
  "stop-container",
  "Stop the container of ENV (its state is kept).\n\nExample:\n  hakuriver docker stop-container torch",
  stopContainer
)

const deleteContainerCommand = Command.make(
  "delete-container",
  { config: configOption, env: envArg },
  ({ config, env }) =>
    Effect.gen(function* () {
      const client = yield* clientOf(yield* hostOf(config))
      yield* deleteContainer(client, env)
      yield* Console.log(`deleted the container of ${env} (its tarballs are kept)`)
    })
).pipe(
  Command.withDescription(
    "Delete the container of ENV. Its tarballs stay, so tasks can still run in ENV.\n\n" +
      "Example:\n  hakuriver docker delete-container torch"
  )
)

const createTarCommand = Command.make(
  "create-tar",
  { config: configOption, json: jsonOption, env: envArg },
  ({ config, env, json }) =>
    Effect.gen(function* () {
      const client = yield* clientOf(yield* hostOf(config))
      const tty = process.stderr.isTTY === true
      let last = -1
      const info = yield* createTar(client, env, {
        onProgress: (p) => {
          if (p.phase === "idle" || p.bytesWritten === last) return
          last = p.bytesWritten
          const text = `${p.phase === "committing" ? "committing" : "saving"} ${env}: ${humanBytes(p.bytesWritten)} written`
          process.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`)
        }
      })
      if (tty && last >= 0) process.stderr.write("\r\x1b[K")
      if (json) yield* Console.log(JSON.stringify(info, null, 2))
      else
        yield* Console.log(`${info.file}: ${humanBytes(info.sizeBytes)} (image hakuriver/${info.env}:base)`)
    })
).pipe(
  Command.withDescription(
    "Package the container of ENV: commit it to hakuriver/ENV:base and save it as a new\n" +
      "ENV-TIMESTAMP.tar in the shared tarball folder; older tarballs of ENV are removed. Runners\n" +
      "load the newest tarball before a task runs in ENV. Progress (bytes written) goes to stderr.\n\n" +
      "Example:\n  hakuriver docker create-tar torch"
  )
)

const listTarsCommand = Command.make(
  "list-tars",
  { config: configOption, json: jsonOption },
  ({ config, json }) =>
    Effect.gen(function* () {
      const client = yield* clientOf(yield* hostOf(config))
      yield* showTars(yield* listTars(client), json)
    })
).pipe(
  Command.withDescription(
    "List the packaged environments: env, newest timestamp, size and number of versions.\n\n" +
      "Example:\n  hakuriver docker list-tars"
  )
)

const shellCommand = Command.make("shell", { config: configOption, env: envArg }, ({ config, env }) =>
  Effect.gen(function* () {
    const host = yield* hostOf(config)
    const code = yield* runShell({ url: shellUrl(host.url, env), token: host.token })
    if (code !== 0) process.exitCode = code
  })
).pipe(
  Command.withDescription(
    "Open an interactive shell (bash, else sh) in the container of ENV, from any machine that\n" +
      "reaches the host. The shell's exit code becomes the command's.\n\n" +
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
