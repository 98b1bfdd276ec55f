/**
 * Docker environments on the host against the real engine and the locally imported busybox
 * image: the `docker` routes through a real client, tarballs on disk, and host-start bootstrap.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { DockerEnvs, type EnvName } from "@hakuriver/sdk"
import { TarballStore } from "@hakuriver/sdk/executor"
import { describe, expect, layer } from "@effect/vitest"
import Docker from "dockerode"
import { Effect, Either, Layer, Schedule } from "effect"
import { EnvBootstrapLive, ensureDefaultEnv } from "../src/env/EnvBootstrap.js"
import * as EnvManager from "../src/env/EnvManager.js"
import * as HostDocker from "../src/env/HostDocker.js"
import {
  baseUrl,
  cleanupDir,
  clientFor,
  configFor,
  envsOfFile,
  execIn,
  runDockerTests,
  serverLayer,
  tarDir,
  tempDir,
  testImage
} from "./envHarness.js"

const dir = tempDir()
const config = configFor(dir)
const env = envsOfFile(dir)

const docker = new Docker()

/** Runs a throwaway container from `image` with `cmd` (no entrypoint override) and returns stdout. */
const runImage = (image: string, cmd: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    const container = await docker.createContainer({
      Image: image,
      Cmd: [...cmd],
      Tty: true,
      HostConfig: { NetworkMode: "none" }
    })
    try {
      await container.start()
      const result = await container.wait()
      const logs = await container.logs({ stdout: true, stderr: true })
      return { code: result.StatusCode as number, output: logs.toString("utf8") }
    } finally {
      await container.remove({ force: true }).catch(() => {})
    }
  })

describe.runIf(runDockerTests)("docker environments (real engine)", () => {
  layer(serverLayer(config), { excludeTestServices: true })((it) => {
    it.effect(
      "create, conflict, stop, start, list, delete (tarballs kept)",
      () =>
        Effect.gen(function* () {
          const client = yield* clientFor(yield* baseUrl)
          const name = env()
          const created = yield* DockerEnvs.createContainer(client, testImage, name)
          expect(created.env).toBe(name)
          expect(created.state).toBe("running")
          expect(created.image).toBe(testImage)

          const again = yield* Effect.flip(DockerEnvs.createContainer(client, testImage, name))
          expect(again._tag).toBe("Conflict")
          expect(again.message).toContain(`environment "${name}" already has a container`)

          const listed = yield* DockerEnvs.listContainers(client)
          expect(listed.find((c) => c.env === name)?.containerId).toBe(created.containerId)

          const stopped = yield* DockerEnvs.stopContainer(client, name)
          expect(stopped.state).toBe("exited")
          const started = yield* DockerEnvs.startContainer(client, name)
          expect(started.state).toBe("running")

          yield* DockerEnvs.createTar(client, name)
          yield* DockerEnvs.deleteContainer(client, name)
          expect((yield* DockerEnvs.listContainers(client)).some((c) => c.env === name)).toBe(false)
          expect((yield* DockerEnvs.listTars(client)).some((t) => t.env === name)).toBe(true)
          const gone = yield* Effect.flip(DockerEnvs.startContainer(client, name))
          expect(gone._tag).toBe("NotFound")
          expect(gone.message).toContain("create-container")
        }),
      60_000
    )

    it.effect(
      "an image that is neither local nor pullable is a clear error",
      () =>
        Effect.gen(function* () {
          const client = yield* clientFor(yield* baseUrl)
          const name = env()
          const error = yield* Effect.flip(
            DockerEnvs.createContainer(client, "hakuriver-test/no-such-image:latest", name)
          )
          expect(["Unavailable", "BadRequest"]).toContain(error._tag)
          expect(error.message).toContain(`image "hakuriver-test/no-such-image:latest" is not on this host`)
          expect((yield* DockerEnvs.listContainers(client)).some((c) => c.env === name)).toBe(false)
        }),
      60_000
    )

    it.effect(
      "invalid env names are refused by the SDK and by the API",
      () =>
        Effect.gen(function* () {
          const url = yield* baseUrl
          const client = yield* clientFor(url)
          for (const bad of ["../x", "A B", "a".repeat(200)]) {
            const sdk = yield* Effect.flip(DockerEnvs.createContainer(client, testImage, bad))
            expect(sdk._tag).toBe("BadRequest")
            expect(sdk.message).toContain("invalid environment name")
            // Straight to the API, past the client-side check.
            const response = yield* Effect.promise(() =>
              fetch(`${url}/docker/containers`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ image: testImage, env: bad })
              })
            )
            expect(response.status).toBe(400)
            const body = yield* Effect.promise(() => response.text())
            expect(body).toMatch(/must not contain '\.\.'|lower-case letters|at most 64 characters/)
            const tar = yield* Effect.promise(() =>
              fetch(`${url}/docker/tars/${encodeURIComponent(bad)}`, { method: "POST" })
            )
            // A path parameter with "/" or over the router's 100-character limit never reaches the
            // route (404); the others are refused as invalid names.
            expect(bad.includes("/") || bad.length > 100 ? [400, 404] : [400]).toContain(tar.status)
            if (tar.status === 400) expect(yield* Effect.promise(() => tar.text())).toContain("EnvName")
          }
        }),
      60_000
    )

    it.effect(
      "create-tar commits, saves atomically, replaces older tarballs and keeps the container",
      () =>
        Effect.gen(function* () {
          const client = yield* clientFor(yield* baseUrl)
          const name = env()
          const created = yield* DockerEnvs.createContainer(client, testImage, name)
          yield* execIn(created.containerId, ["sh", "-c", "echo first > /marker"])

          const seen: Array<number> = []
          const first = yield* DockerEnvs.createTar(client, name, {
            onProgress: (p) => seen.push(p.bytesWritten),
            pollInterval: "20 millis"
          })
          expect(first.file).toBe(`${name}-${first.timestamp}.tar`)
          expect(first.sizeBytes).toBeGreaterThan(100_000)
          expect(Math.abs(first.timestamp - Date.now() / 1000)).toBeLessThan(120)
          const progress = yield* DockerEnvs.tarProgress(client, name)
          expect(progress.phase).toBe("done")
          expect(progress.bytesWritten).toBe(first.sizeBytes)

          // The committed image has the file and runs a plain command (entrypoint restored).
          const run = yield* runImage(`hakuriver/${name}:base`, ["cat", "/marker"])
          expect(run.output).toContain("first")
          expect(run.code).toBe(0)

          // The container kept running.
          const state = (yield* DockerEnvs.listContainers(client)).find((c) => c.env === name)
          expect(state?.state).toBe("running")

          yield* execIn(created.containerId, ["sh", "-c", "echo second > /marker"])
          const second = yield* DockerEnvs.createTar(client, name)
          expect(second.timestamp).toBeGreaterThan(first.timestamp)
          const files = fs.readdirSync(tarDir(config)).filter((f) => f.startsWith(`${name}-`))
          expect(files).toEqual([second.file])
          expect(fs.readdirSync(tarDir(config)).filter((f) => f.endsWith(".partial"))).toEqual([])

          const tars = yield* DockerEnvs.listTars(client)
          const info = tars.find((t) => t.env === name)
          expect(info?.file).toBe(second.file)
          expect(info?.versions).toEqual([second.timestamp])
          expect(info?.sizeBytes).toBe(fs.statSync(path.join(tarDir(config), second.file)).size)

          const rerun = yield* runImage(`hakuriver/${name}:base`, ["cat", "/marker"])
          expect(rerun.output).toContain("second")
          // The image carries its tarball's version tag; the image it replaced is gone.
          const image = yield* Effect.promise(() => docker.getImage(`hakuriver/${name}:base`).inspect())
          expect(image.RepoTags).toContain(`hakuriver/${name}:tarball-${second.timestamp}`)
          const old = yield* Effect.promise(() =>
            docker
              .getImage(`hakuriver/${name}:tarball-${first.timestamp}`)
              .inspect()
              .then(
                () => "present",
                () => "gone"
              )
          )
          expect(old).toBe("gone")
        }),
      60_000
    )

    it.effect(
      "an image with an entrypoint keeps running as an env and gets its entrypoint back",
      () =>
        Effect.gen(function* () {
          const client = yield* clientFor(yield* baseUrl)
          const name = env()
          const image = `hakuriver-test/ep-${name}:latest`
          // An image whose entrypoint would exit at once: made from busybox by a commit.
          yield* Effect.promise(async () => {
            const c = await docker.createContainer({ Image: testImage, Cmd: ["true"] })
            await c.commit({
              repo: `hakuriver-test/ep-${name}`,
              tag: "latest",
              changes: ['ENTRYPOINT ["/bin/echo","ep:"]']
            })
            await c.remove({ force: true })
          })
          yield* Effect.addFinalizer(() =>
            Effect.promise(() =>
              docker
                .getImage(image)
                .remove({ force: true })
                .catch(() => {})
            )
          )
          const created = yield* DockerEnvs.createContainer(client, image, name)
          expect(created.state).toBe("running")
          yield* DockerEnvs.createTar(client, name)
          const inspected = yield* Effect.promise(() => docker.getImage(`hakuriver/${name}:base`).inspect())
          expect(inspected.Config.Entrypoint).toEqual(["/bin/echo", "ep:"])
          const run = yield* runImage(`hakuriver/${name}:base`, ["hello"])
          expect(run.output).toContain("ep: hello")
        }).pipe(Effect.scoped),
      60_000
    )

    it.effect(
      "create-tar of an env without a container is NotFound; a second concurrent one is a Conflict",
      () =>
        Effect.gen(function* () {
          const client = yield* clientFor(yield* baseUrl)
          const missing = yield* Effect.flip(DockerEnvs.createTar(client, env()))
          expect(missing._tag).toBe("NotFound")

          const name = env()
          yield* DockerEnvs.createContainer(client, testImage, name)
          const results = yield* Effect.all(
            [DockerEnvs.createTar(client, name), DockerEnvs.createTar(client, name)].map(Effect.either),
            { concurrency: 2 }
          )
          const failures = results.filter(Either.isLeft).map((r) => r.left._tag)
          const successes = results.filter(Either.isRight)
          expect(successes.length).toBeGreaterThanOrEqual(1)
          expect(failures.every((t) => t === "Conflict")).toBe(true)
        }),
      60_000
    )

    it.effect(
      "a client that gives up waiting does not abort create-tar; its progress runs to the end",
      () =>
        Effect.gen(function* () {
          const url = yield* baseUrl
          const client = yield* clientFor(url)
          const name = env()
          yield* DockerEnvs.createContainer(client, testImage, name)
          const controller = new AbortController()
          const request = fetch(`${url}/docker/tars/${name}`, {
            method: "POST",
            signal: controller.signal
          }).catch(() => undefined)
          // the client gives up once the work has begun (a fixed wait raced a slow host: "idle")
          const atAbort = yield* DockerEnvs.tarProgress(client, name).pipe(
            Effect.filterOrFail((p) => p.phase !== "idle"),
            Effect.retry(Schedule.spaced("2 millis")),
            Effect.timeout("10 seconds")
          )
          controller.abort()
          yield* Effect.promise(() => request)
          expect(["committing", "saving"]).toContain(atAbort.phase)
          const end = yield* DockerEnvs.tarProgress(client, name).pipe(
            Effect.filterOrFail((p) => p.phase === "done" || p.phase === "failed"),
            Effect.retry(Schedule.spaced("50 millis")),
            Effect.timeout("30 seconds")
          )
          expect(end.phase).toBe("done")
          const tars = yield* DockerEnvs.listTars(client)
          expect(tars.find((t) => t.env === name)?.sizeBytes).toBe(end.bytesWritten)
        }),
      60_000
    )

    it.effect(
      "a reader never sees a partial tarball while a new one is written",
      () =>
        Effect.gen(function* () {
          const client = yield* clientFor(yield* baseUrl)
          const name = env()
          yield* DockerEnvs.createContainer(client, testImage, name)
          const first = yield* DockerEnvs.createTar(client, name)
          const store = TarballStore.make(tarDir(config))
          const checked = new Set<string>()
          let complete = true
          let writing = true
          /** Like a runner's sync: take the newest tarball and check it is a whole tar archive. */
          const reader = Effect.gen(function* () {
            while (writing) {
              const newest = yield* store.newest(name as EnvName).pipe(Effect.orDie)
              if (newest._tag === "Some") {
                const file = path.join(tarDir(config), newest.value.file)
                const bytes = yield* Effect.sync(() => {
                  try {
                    return fs.readFileSync(file)
                  } catch {
                    return undefined // replaced between list and read: fine
                  }
                })
                if (bytes !== undefined) {
                  checked.add(newest.value.file)
                  const tail = bytes.subarray(bytes.length - 1024)
                  // A whole `docker save` archive: 512-byte blocks, its manifest, the closing zeros.
                  if (
                    bytes.length % 512 !== 0 ||
                    bytes.length < 1024 ||
                    tail.some((b) => b !== 0) ||
                    !bytes.includes("manifest.json")
                  )
                    complete = false
                }
              }
              yield* Effect.sleep("5 millis")
            }
          })
          const writer = DockerEnvs.createTar(client, name).pipe(
            Effect.ensuring(Effect.sync(() => (writing = false)))
          )
          const [second] = yield* Effect.all([writer, reader], { concurrency: 2 })
          expect(complete).toBe(true)
          expect(checked.has(first.file) || checked.has(second.file)).toBe(true)
          expect(second.timestamp).toBeGreaterThan(first.timestamp)
        }),
      60_000
    )
  })

  const bootName = env("b")
  const bootConfig = configFor(tempDir(), { default_container_name: bootName, initial_base_image: testImage })
  layer(Layer.merge(serverLayer(bootConfig), EnvBootstrapLive(bootConfig)), { excludeTestServices: true })(
    (it) => {
      it.effect(
        "on host start the default env is packaged in the background, its progress on the API",
        () =>
          Effect.gen(function* () {
            const client = yield* clientFor(yield* baseUrl)
            // The bootstrap and the routes share one env manager: its progress shows here.
            const end = yield* DockerEnvs.tarProgress(client, bootName).pipe(
              Effect.filterOrFail((p) => p.phase === "done" || p.phase === "failed"),
              Effect.retry(Schedule.spaced("50 millis")),
              Effect.timeout("30 seconds")
            )
            expect(end.phase).toBe("done")
            const tars = yield* DockerEnvs.listTars(client)
            expect(tars.find((t) => t.env === bootName)?.sizeBytes).toBe(end.bytesWritten)
            const containers = yield* DockerEnvs.listContainers(client)
            expect(containers.find((c) => c.env === bootName)?.state).toBe("running")
            cleanupDir(path.dirname(bootConfig.paths.shared_dir))
          }),
        60_000
      )
    }
  )

  layer(Layer.empty, { excludeTestServices: true })((it) => {
    it.effect(
      "host start packages the default env from a local initial_base_image, once",
      () =>
        Effect.gen(function* () {
          const name = env("d")
          const local = configFor(tempDir(), { default_container_name: name, initial_base_image: testImage })
          const outcome = yield* ensureDefaultEnv(local).pipe(Effect.provide(EnvManager.layer(local)))
          expect(outcome._tag).toBe("created")
          expect(fs.readdirSync(tarDir(local)).filter((f) => f.startsWith(`${name}-`)).length).toBe(1)
          const again = yield* ensureDefaultEnv(local).pipe(Effect.provide(EnvManager.layer(local)))
          expect(again._tag).toBe("present")
          cleanupDir(path.dirname(local.paths.shared_dir))
        }),
      60_000
    )

    it.effect(
      "host start with a missing initial_base_image logs and carries on",
      () =>
        Effect.gen(function* () {
          const name = env("d")
          const local = configFor(tempDir(), {
            default_container_name: name,
            initial_base_image: "hakuriver-test/not-here:latest"
          })
          const outcome = yield* ensureDefaultEnv(local).pipe(Effect.provide(EnvManager.layer(local)))
          expect(outcome._tag).toBe("skipped")
          if (outcome._tag === "skipped") {
            expect(outcome.reason).toContain(
              `"hakuriver-test/not-here:latest" is not in the local image store`
            )
          }
          expect(fs.existsSync(tarDir(local))).toBe(false)
          cleanupDir(path.dirname(local.paths.shared_dir))
        }),
      60_000
    )
  })
})

describe("docker environments without a Docker engine", () => {
  const noEngine = (config: ReturnType<typeof configFor>) =>
    Layer.scoped(EnvManager.EnvManager, EnvManager.make(config)).pipe(
      Layer.provide(
        Layer.succeed(
          HostDocker.HostDocker,
          HostDocker.make(new Docker({ socketPath: path.join(dir, "no-docker.sock") }))
        )
      )
    )

  layer(Layer.empty, { excludeTestServices: true })((it) => {
    it.effect("calls answer Unavailable with a clear message, and host start only logs", () =>
      Effect.gen(function* () {
        const local = configFor(tempDir(), { default_container_name: "hakuriver-base" })
        const envs = yield* EnvManager.EnvManager
        const listed = yield* Effect.flip(envs.listContainers)
        expect(listed._tag).toBe("Unavailable")
        expect(listed.message).toMatch(/does not answer .*is dockerd running\?/)
        const created = yield* Effect.flip(envs.createContainer(testImage, "x" as EnvName))
        expect(created._tag).toBe("Unavailable")
        const outcome = yield* ensureDefaultEnv(local)
        expect(outcome._tag).toBe("skipped")
        cleanupDir(path.dirname(local.paths.shared_dir))
      }).pipe(Effect.provide(noEngine(config)))
    )
  })
})
