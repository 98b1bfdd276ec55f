/**
 * Test harness for the env tests: the real `docker` group and terminal route served on a free
 * loopback port (an API holding only the docker group, under HostApi's name, so the group layer
 * fits), a real client of it, temp dirs, the busybox test image, and cleanup of what a test made.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import { createServer } from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import {
  FetchHttpClient,
  HttpApi,
  HttpApiBuilder,
  HttpApiClient,
  HttpClient,
  HttpClientRequest,
  HttpServer
} from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { authorizationLayer, DockerGroup, fromObject, type HakuRiverConfig, HostApi } from "@hakuriver/sdk"
import Docker from "dockerode"
import { Effect, Either, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { DockerGroupLive } from "../src/env/DockerHttp.js"
import { envLabels } from "../src/env/EnvManager.js"

/** The busybox test image (scripts/images/busybox.sh); built here when missing. */
export const testImage = "hakuriver-test/busybox:latest"

/** Whether a Docker engine answers. */
export const dockerAnswers = (): boolean => {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 20_000 })
    return true
  } catch {
    return false
  }
}

/**
 * Docker tests run when an engine answers, and also in CI (where they then fail, never skip);
 * outside CI without Docker they are skipped.
 */
export const runDockerTests = dockerAnswers() || process.env["CI"] === "true"

/** Builds the busybox test image when it is missing (same recipe as scripts/images/busybox.sh). */
export const ensureTestImage = (): void => {
  try {
    execFileSync("docker", ["image", "inspect", testImage], { stdio: "ignore" })
  } catch {
    const script = fileURLToPath(new URL("../../../scripts/images/busybox.sh", import.meta.url))
    execFileSync("bash", [script, testImage], { stdio: "inherit", timeout: 120_000 })
  }
}

/** A fresh, unique env name for one test. */
export const uniqueEnv = (prefix = "t"): string =>
  `${prefix}${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 8)}`

/** A temp dir removed by {@link cleanupDir}. */
export const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "hakuriver-env-"))

export const cleanupDir = (dir: string): void => fs.rmSync(dir, { recursive: true, force: true })

/** A config with the shared dir in `dir`. */
export const configFor = (dir: string, docker: Record<string, unknown> = {}, token = ""): HakuRiverConfig => {
  const parsed = fromObject({
    paths: { shared_dir: path.join(dir, "shared"), local_temp_dir: path.join(dir, "temp") },
    database: { db_file: path.join(dir, "host.db") },
    docker,
    security: { token }
  })
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  return parsed.right
}

/** The tarball folder of a config. */
export const tarDir = (config: HakuRiverConfig): string =>
  path.join(config.paths.shared_dir, config.docker.container_dir)

/**
 * An API with only the docker group, under HostApi's id so `DockerGroupLive` serves it. Like the
 * real HostApi, the token is required by the group, so the terminal route beside it checks the
 * token itself.
 */
class DockerOnlyApi extends HttpApi.make("HostApi").add(DockerGroup) {}

/** The docker group and terminal route on a free loopback port. */
export const serverLayer = (config: HakuRiverConfig) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(
      HttpApiBuilder.api(DockerOnlyApi).pipe(
        Layer.provide(DockerGroupLive(config)),
        Layer.provide(authorizationLayer(config.security.token))
      )
    ),
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
  )

/** The base URL of the running server. */
export const baseUrl = HttpServer.addressFormattedWith((address) => Effect.succeed(address))

/** A real client of HostApi against `url`. */
export const clientFor = (url: string, token = "") =>
  HttpApiClient.make(HostApi, {
    baseUrl: url,
    transformClient: (client) =>
      token === "" ? client : HttpClient.mapRequest(client, HttpClientRequest.bearerToken(token))
  }).pipe(Effect.provide(FetchHttpClient.layer))

/**
 * For one test file: ensures the test image before its tests and, after them, removes the envs
 * it named and `dir`; returns the function that names (and records) a fresh env.
 */
export const envsOfFile = (dir: string, defaultPrefix = "t"): ((prefix?: string) => string) => {
  const made: Array<string> = []
  beforeAll(() => {
    if (runDockerTests) ensureTestImage()
  })
  afterAll(async () => {
    if (runDockerTests) await cleanupEnvs(made)
    cleanupDir(dir)
  })
  return (prefix = defaultPrefix) => {
    const name = uniqueEnv(prefix)
    made.push(name)
    return name
  }
}

/** Runs a command in a container and returns its output (stdout and stderr). */
export const execIn = (containerId: string, cmd: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    const exec = await new Docker()
      .getContainer(containerId)
      .exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true })
    const stream = await exec.start({ hijack: true, stdin: false })
    const chunks: Array<Buffer> = []
    await new Promise<void>((resolve) => {
      stream.on("data", (c: Buffer) => chunks.push(c))
      stream.on("end", () => resolve())
      stream.on("close", () => resolve())
    })
    return Buffer.concat(chunks).toString("utf8")
  })

/** Removes the containers and images that envs with these names made. */
export const cleanupEnvs = async (envs: ReadonlyArray<string>): Promise<void> => {
  const docker = new Docker()
  const containers = await docker.listContainers({ all: true, filters: { label: [envLabels.env] } })
  for (const c of containers) {
    const env = c.Labels[envLabels.env]
    if (env !== undefined && envs.includes(env))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {})
  }
  for (const env of envs) {
    const images = await docker.listImages({ filters: { reference: [`hakuriver/${env}`] } })
    for (const image of images)
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => {})
  }
}
