import * as fs from "node:fs"
import { afterAll, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Stream } from "effect"
import { type EnvName, imageTag } from "../../src/domain/index.js"
import { DockerEngine, DockerExecutor, EnvSync, TarballStore } from "../../src/executor/index.js"
import {
  describeDocker,
  docker,
  loadEvents,
  makeEnvImage,
  makeImage,
  makeTask,
  removeEnvImages,
  uniqueEnv
} from "../docker/dockerKit.js"
import { nodeDirs, scopedTempDir } from "../../../../test/kit/index.js"

const created: Array<EnvName> = []
const extraTags: Array<string> = []

/** The bytes of `docker save REF`. */
const saveImage = (ref: string) =>
  Effect.promise(async () => {
    const stream = await docker.getImage(ref).get()
    const chunks: Array<Buffer> = []
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk)
    return Buffer.concat(chunks)
  })

/** A unique image under `hakuriver-test/ENV:TAG` (not the env's own repo), and its saved bytes. */
const imageWithMarker = (env: EnvName, tag: string) =>
  Effect.gen(function* () {
    const ref = `hakuriver-test/${env}:${tag}`
    const id = yield* Effect.promise(() => makeImage(ref, `${env}-${tag}`))
    extraTags.push(ref)
    const tar = yield* saveImage(ref)
    return { ref, id, tar }
  })

const imageGone = (id: string) =>
  Effect.promise(() =>
    docker
      .getImage(id)
      .inspect()
      .then(
        () => false,
        () => true
      )
  )

const nowSeconds = () => Math.floor(Date.now() / 1000)

describeDocker("EnvSync (real engine)", () => {
  afterAll(async () => {
    for (const env of created) await removeEnvImages(env)
    for (const ref of extraTags)
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined)
  })

  const setup = (prefix: string) =>
    Effect.gen(function* () {
      const env = uniqueEnv(prefix)
      created.push(env)
      const dirs = nodeDirs(yield* scopedTempDir(`sync-${prefix}`))
      const store = TarballStore.make(dirs.tarballs)
      const engine = yield* DockerEngine.make()
      const sync = yield* EnvSync.make({ store, engine })
      return { env, dirs, store, engine, sync }
    })

  it.scopedLive(
    "a newer tarball is loaded once by 5 concurrent tasks; the replaced image is dropped",
    () =>
      Effect.gen(function* () {
        const { env, dirs, store } = yield* setup("five")
        const v1 = yield* imageWithMarker(env, "v1")
        yield* store.write(env, Stream.make(new Uint8Array(v1.tar)))
        const executor = yield* DockerExecutor.make({ tarballDir: dirs.tarballs })

        const runFive = Effect.suspend(() =>
          Effect.forEach(
            Array.from({ length: 5 }, () => makeTask(["cat", "/marker"], { container: env })),
            (task) =>
              Effect.scoped(
                Effect.gen(function* () {
                  const req = dirs.request(task)
                  const result = yield* (yield* executor.run(req)).wait
                  return { code: result.exitCode, out: fs.readFileSync(req.logs.stdout, "utf8") }
                })
              ),
            { concurrency: "unbounded" }
          )
        )

        const since1 = nowSeconds() - 1
        const first = yield* runFive
        const until1 = nowSeconds() + 1
        expect(first).toEqual(Array.from({ length: 5 }, () => ({ code: 0, out: `${env}-v1\n` })))
        expect(yield* Effect.promise(() => loadEvents(v1.id, since1, until1))).toBe(1)

        // A newer tarball (made from an image of another name) replaces the env's image.
        const v2 = yield* imageWithMarker(env, "v2")
        yield* Effect.promise(() => docker.getImage(v2.ref).remove())
        yield* Effect.promise(() => docker.getImage(v1.ref).remove())
        const newer = yield* store.write(env, Stream.make(new Uint8Array(v2.tar)))
        expect(fs.readdirSync(dirs.tarballs)).toEqual([newer.file])
        const since2 = nowSeconds() - 1
        const second = yield* runFive
        const until2 = nowSeconds() + 1
        expect(second.map((r) => r.out)).toEqual(Array.from({ length: 5 }, () => `${env}-v2\n`))
        expect(yield* Effect.promise(() => loadEvents(v2.id, since2, until2))).toBe(1)
        // Each task made its container from v1 while the load ran; those went (and no other was left).
        const left = yield* Effect.promise(() =>
          docker.listContainers({ all: true, filters: { label: [`hakuriver.env=${env}`] } })
        )
        expect(left).toEqual([])
        // The v1 image lost all its tags and went, though those containers held it while the load
        // ran; the base tag names v2.
        expect(yield* imageGone(v1.id)).toBe(true)
        const base = yield* Effect.promise(() => docker.getImage(imageTag(env)).inspect())
        expect(base.Id).toBe(v2.id)
        expect(base.RepoTags).toContain(EnvSync.versionTag(env, newer.timestamp))
      }),
    30_000
  )

  it.scopedLive(
    "an image already matching the newest tarball is not loaded again",
    () =>
      Effect.gen(function* () {
        const { env, store, sync, engine } = yield* setup("again")
        const v1 = yield* imageWithMarker(env, "v1")
        yield* store.write(env, Stream.make(new Uint8Array(v1.tar)))
        const first = yield* sync.ensure(env)
        expect(first).toMatchObject({ loaded: true, replaced: Option.none() })
        const second = yield* sync.ensure(env)
        expect(second).toMatchObject({ loaded: false, replaced: Option.none() })
        expect(second.imageId).toBe(v1.id)
        // Cleaning up the env removes its base and version tags alike.
        yield* EnvSync.removeImages(engine, env)
        const left = yield* Effect.promise(() =>
          docker.listImages({ filters: { reference: [`hakuriver/${env}`] } })
        )
        expect(left).toEqual([])
      }),
    30_000
  )

  it.scopedLive(
    "while the newest tarball stays the same the engine is not asked again; an image removed behind its back is loaded again for the next task",
    () =>
      Effect.gen(function* () {
        const { env, dirs, store, engine } = yield* setup("memo")
        // the engine's calls counted
        const calls: Array<string> = []
        const counted: DockerEngine.DockerEngine = {
          ...engine,
          call: (operation, f) =>
            Effect.zipRight(
              Effect.sync(() => calls.push(operation)),
              engine.call(operation, f)
            )
        }
        const sync = yield* EnvSync.make({ store, engine: counted })
        const v1 = yield* imageWithMarker(env, "v1")
        yield* store.write(env, Stream.make(new Uint8Array(v1.tar)))
        expect((yield* sync.ensure(env)).loaded).toBe(true)
        expect(calls.length).toBeGreaterThan(0)
        calls.length = 0
        expect(yield* sync.ensure(env)).toMatchObject({ loaded: false, imageId: v1.id })
        expect(calls).toEqual([])
        // removed behind its back: the remembered sync still answers (no engine call)...
        yield* EnvSync.removeImages(engine, env)
        expect(yield* sync.ensure(env)).toMatchObject({ loaded: false, imageId: v1.id })
        expect(calls).toEqual([])
        // ...and a task, whose container cannot be created from the missing image, syncs again
        const executor = yield* DockerExecutor.make({ tarballDir: dirs.tarballs, envSync: sync })
        const task = makeTask(["cat", "/marker"], { container: env })
        const req = dirs.request(task)
        const result = yield* (yield* executor.run(req)).wait
        expect(result.exitCode).toBe(0)
        expect(fs.readFileSync(req.logs.stdout, "utf8")).toBe(`${env}-v1\n`)
        // after forget, ensure checks the engine: the image is there again, nothing to load
        yield* sync.forget(env)
        expect(yield* sync.ensure(env)).toMatchObject({ loaded: false, imageId: v1.id })
      }).pipe(Effect.scoped),
    30_000
  )

  it.scopedLive(
    "a local image committed after the newest tarball is kept; a later tarball replaces it",
    () =>
      Effect.gen(function* () {
        const { env, store, sync } = yield* setup("local")
        const v1 = yield* imageWithMarker(env, "v1")
        yield* store.write(env, Stream.make(new Uint8Array(v1.tar)), { timestamp: nowSeconds() - 3600 })
        const local = yield* Effect.promise(() => makeEnvImage(env))
        const kept = yield* sync.ensure(env)
        expect(kept.loaded).toBe(false)
        expect(kept.imageId).toBe(local)
        yield* Effect.sleep("1100 millis")
        const later = yield* store.write(env, Stream.make(new Uint8Array(v1.tar)))
        const replaced = yield* sync.ensure(env)
        expect(replaced).toMatchObject({
          loaded: true,
          imageId: v1.id,
          tarball: Option.some(later.timestamp),
          replaced: Option.some(local)
        })
        expect(yield* imageGone(local)).toBe(true)
      }),
    30_000
  )

  it.scopedLive(
    "writing a second tarball while a sync runs never loads the partial file",
    () =>
      Effect.gen(function* () {
        const { env, store, sync } = yield* setup("partial")
        const v1 = yield* imageWithMarker(env, "v1")
        const v2 = yield* imageWithMarker(env, "v2")
        const old = yield* store.write(env, Stream.make(new Uint8Array(v1.tar)))
        // v2 is written slowly: a quarter, then a pause, and so on.
        const quarter = Math.ceil(v2.tar.length / 4)
        const slow = Stream.fromIterable([0, 1, 2, 3]).pipe(
          Stream.mapEffect((i) =>
            Effect.as(
              Effect.sleep("250 millis"),
              new Uint8Array(v2.tar.subarray(i * quarter, (i + 1) * quarter))
            )
          )
        )
        const writer = yield* Effect.fork(store.write(env, slow))
        yield* Effect.sleep("300 millis")
        const during = yield* sync.ensure(env)
        expect(during.loaded).toBe(true)
        expect(during.tarball).toEqual(Option.some(old.timestamp))
        expect(during.imageId).toBe(v1.id)
        const written = yield* Fiber.join(writer)
        const after = yield* sync.ensure(env)
        expect(after.tarball).toEqual(Option.some(written.timestamp))
        expect(after.imageId).toBe(v2.id)
      }),
    30_000
  )

  it.scopedLive(
    "an env whose only tarball is still being written has nothing to load yet",
    () =>
      Effect.gen(function* () {
        const { env, store, sync } = yield* setup("first")
        const v1 = yield* imageWithMarker(env, "v1")
        const half = Math.ceil(v1.tar.length / 2)
        const slow = Stream.fromIterable([v1.tar.subarray(0, half), v1.tar.subarray(half)]).pipe(
          Stream.mapEffect((chunk) => Effect.as(Effect.sleep("300 millis"), new Uint8Array(chunk)))
        )
        const writer = yield* Effect.fork(store.write(env, slow))
        yield* Effect.sleep("400 millis")
        const error = yield* Effect.flip(sync.ensure(env))
        expect(error.reason).toBe("NoImage")
        yield* Fiber.join(writer)
        expect((yield* sync.ensure(env)).imageId).toBe(v1.id)
      }),
    30_000
  )

  it.scopedLive(
    "a corrupt tarball fails with LoadFailed and a clear message",
    () =>
      Effect.gen(function* () {
        const { env, store, sync } = yield* setup("corrupt")
        yield* store.write(env, Stream.make(new TextEncoder().encode("this is not a tar archive")))
        const error = yield* Effect.flip(sync.ensure(env))
        expect(error.reason).toBe("LoadFailed")
        expect(error.message).toContain(env)
      }),
    30_000
  )
})
