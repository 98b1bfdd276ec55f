/**
 * EnvSync: makes the local image `hakuriver/ENV:base` match the newest tarball `ENV-TS.tar` of the
 * shared tarball folder before a task runs in ENV.
 *
 * How "up to date" is decided: after loading `ENV-TS.tar` the image is also tagged
 * `hakuriver/ENV:tarball-TS` (see {@link versionTag}). The local `hakuriver/ENV:base` is current
 * when that tag names the same image, or when the image was created (committed) after TS: a
 * newer local image is kept. Creation time alone cannot tell a loaded image is current, since an
 * image committed at T is saved into a tarball stamped TS ≥ T; hence the tag.
 *
 * Concurrent callers for one env share a single load (one in-flight Deferred per env). After a
 * load, the other images of that env (from replaced tarballs) are untagged and so removed, unless
 * a container still uses them; they go at a later sync.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs/promises"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type { TarballInfo } from "../api/models.js"
import { type EnvName, imageTag } from "../domain/index.js"
import * as DockerEngine from "../executor/docker/DockerEngine.js"
import * as Store from "./TarballStore.js"

/**
 * Why an env could not be made ready.
 * @category errors
 */
export class EnvSyncError extends Schema.TaggedError<EnvSyncError>()("EnvSyncError", {
  env: Schema.String,
  reason: Schema.Literal("NoImage", "LoadFailed", "Unavailable"),
  detail: Schema.String
}) {
  override get message(): string {
    return `environment ${this.env}: ${this.detail}`
  }
}

/**
 * The image a task of `env` runs in, after a sync.
 * @category models
 */
export interface SyncedImage {
  readonly env: EnvName
  /** `hakuriver/ENV:base`. */
  readonly image: string
  readonly imageId: string
  /** The timestamp of the tarball the image came from, when there is one. */
  readonly tarball: Option.Option<number>
  /** Whether this sync ran `docker load`. */
  readonly loaded: boolean
  /** The image that load replaced as `hakuriver/ENV:base`, when there was one. */
  readonly replaced: Option.Option<string>
}

/**
 * The sync service.
 * @category models
 */
export interface EnvSync {
  /**
   * Makes `hakuriver/ENV:base` current, loading the newest tarball when needed. While the newest
   * tarball stays the one the last sync saw, the engine is not asked again (two image inspects a
   * task): the tarball folder is still read every time.
   */
  readonly ensure: (env: EnvName) => Effect.Effect<SyncedImage, EnvSyncError>
  /** Forgets the last sync of ENV (its image went away behind our back): the next one checks the engine. */
  readonly forget: (env: EnvName) => Effect.Effect<void>
  /**
   * Removes the image a load replaced, once nothing holds it: a container made from it while the
   * load ran kept it (and its last tag) when the load tried. A no-op when nothing was replaced,
   * or while something still uses it.
   */
  readonly dropReplaced: (image: SyncedImage) => Effect.Effect<void>
}

/**
 * The sync service tag.
 * @category tags
 */
export const EnvSync = Context.GenericTag<EnvSync>("@hakuriver/sdk/EnvSync")

const repoOf = (env: EnvName) => `hakuriver/${env}`

/**
 * The tag that records which tarball an env image came from: `hakuriver/ENV:tarball-TS`. The host
 * may set it on the image it saved, so a runner on the same engine does not load it again.
 * @category constructors
 */
export const versionTag = (env: EnvName, timestamp: number): string => `hakuriver/${env}:tarball-${timestamp}`

/**
 * Removes every tag of the repository `hakuriver/ENV` (`:base` and the `:tarball-TS` tags), and so
 * its images unless a container still uses them. For cleaning up an env on a node.
 * @category constructors
 */
export const removeImages = (engine: DockerEngine.DockerEngine, env: EnvName): Effect.Effect<void> =>
  engine
    .call(`list images ${repoOf(env)}`, (d) => d.listImages({ filters: { reference: [repoOf(env)] } }))
    .pipe(
      Effect.flatMap((images) =>
        Effect.forEach(
          images.flatMap((image) => (image.RepoTags ?? []).filter((t) => t.startsWith(`${repoOf(env)}:`))),
          (ref) => engine.call(`remove image ${ref}`, (d) => d.getImage(ref).remove()).pipe(Effect.ignore),
          { discard: true }
        )
      ),
      Effect.ignore,
      Effect.withSpan("EnvSync.removeImages", { attributes: { env } })
    )

/**
 * Options of {@link make}.
 * @category models
 */
export interface EnvSyncOptions {
  readonly store: Store.TarballStore
  readonly engine: DockerEngine.DockerEngine
  /** How often a tarball that vanished while being opened (replaced) is looked up again; default 5. */
  readonly attempts?: number | undefined
}

type Pending = Deferred.Deferred<SyncedImage, EnvSyncError>

interface LocalImage {
  readonly id: string
  /** Unix seconds of the image's creation (its commit), from the image config. */
  readonly created: number
}

/** The id and creation time of a reference, or none when the engine has no such image. */
const localImage = (engine: DockerEngine.DockerEngine, ref: string) =>
  engine
    .call(`inspect image ${ref}`, (d) => d.getImage(ref).inspect())
    .pipe(
      Effect.map((info) =>
        Option.some<LocalImage>({ id: info.Id, created: Math.floor(Date.parse(info.Created) / 1000) })
      ),
      Effect.catchIf(
        (f) => DockerEngine.hasStatus(f, 404),
        () => Effect.succeed(Option.none<LocalImage>())
      )
    )

interface LoadMessage {
  readonly stream?: unknown
  readonly error?: unknown
  readonly errorDetail?: { readonly message?: unknown }
}

/** Reads `docker load`'s JSON-lines answer: the loaded reference, or the engine's error. */
const readLoadAnswer = (answer: NodeJS.ReadableStream): Promise<{ ref?: string; error?: string }> =>
  new Promise((resolve, reject) => {
    let text = ""
    answer.on("data", (chunk: Buffer | string) => {
      text += chunk.toString()
    })
    answer.on("error", reject)
    answer.on("end", () => {
      const result: { ref?: string; error?: string } = {}
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue
        let message: LoadMessage
        try {
          message = JSON.parse(line) as LoadMessage
        } catch {
          continue
        }
        if (typeof message.error === "string") result.error = message.error
        const stream = typeof message.stream === "string" ? message.stream : ""
        const loaded = /Loaded image(?: ID)?: (\S+)/.exec(stream)
        if (loaded?.[1] !== undefined) result.ref = loaded[1]
      }
      resolve(result)
    })
  })

/**
 * Makes the sync service.
 * @category constructors
 */
export const make = (options: EnvSyncOptions): Effect.Effect<EnvSync> =>
  Effect.gen(function* () {
    const { store, engine } = options
    const attempts = options.attempts ?? 5
    const inFlight = yield* Ref.make(new Map<EnvName, Pending>())
    /** What the last sync of each env found current, and for which tarball. */
    const synced = new Map<EnvName, SyncedImage>()

    const fail = (env: EnvName, reason: EnvSyncError["reason"], detail: string) =>
      new EnvSyncError({ env, reason, detail })
    const fromDocker = (env: EnvName) => (f: DockerEngine.DockerFailure) =>
      fail(env, f.unavailable ? "Unavailable" : "LoadFailed", f.message)

    /** Loads one tarball; `None` when the file vanished before it could be opened. */
    const load = (env: EnvName, tarball: TarballInfo) =>
      Effect.gen(function* () {
        const file = store.pathOf(tarball)
        const handle = yield* Effect.tryPromise({
          try: () => fs.open(file, "r"),
          catch: (cause) => cause
        }).pipe(
          Effect.map(Option.some),
          Effect.catchAll((cause) =>
            typeof cause === "object" && cause !== null && "code" in cause && cause.code === "ENOENT"
              ? Effect.succeed(Option.none())
              : Effect.fail(fail(env, "LoadFailed", `cannot open ${file}: ${String(cause)}`))
          )
        )
        if (Option.isNone(handle)) return Option.none<string>()
        // The open handle keeps the file readable even if a newer tarball replaces it now.
        const answer = yield* engine
          .call(`docker load ${file}`, async (d) =>
            readLoadAnswer(await d.loadImage(handle.value.createReadStream({ autoClose: false })))
          )
          .pipe(
            Effect.mapError(fromDocker(env)),
            Effect.ensuring(Effect.promise(() => handle.value.close().catch(() => undefined)))
          )
        if (answer.error !== undefined || answer.ref === undefined) {
          return yield* fail(
            env,
            "LoadFailed",
            `docker load ${file} failed: ${answer.error ?? "the engine named no loaded image"}`
          )
        }
        return Option.some(answer.ref)
      })

    const tag = (env: EnvName, ref: string, tagName: string) =>
      engine
        .call(`tag ${ref} ${repoOf(env)}:${tagName}`, (d) =>
          d.getImage(ref).tag({ repo: repoOf(env), tag: tagName })
        )
        .pipe(Effect.mapError(fromDocker(env)))

    /** Untags the env's other images and stale version tags; images still in use stay. */
    const prune = (env: EnvName, keepId: string, keepTag: string) =>
      engine
        .call(`list images ${repoOf(env)}`, (d) => d.listImages({ filters: { reference: [repoOf(env)] } }))
        .pipe(
          Effect.flatMap((images) =>
            Effect.forEach(
              images.flatMap((image) =>
                (image.RepoTags ?? []).filter(
                  (t) =>
                    t.startsWith(`${repoOf(env)}:`) &&
                    (image.Id !== keepId || (t !== keepTag && t !== imageTag(env)))
                )
              ),
              (ref) =>
                engine.call(`remove image ${ref}`, (d) => d.getImage(ref).remove()).pipe(Effect.ignore),
              { discard: true }
            )
          ),
          Effect.ignore
        )

    /** Removes an image the load left without any tag (the env's previous image); one in use stays. */
    const removeIfUntagged = (id: string) =>
      engine
        .call(`inspect image ${id}`, (d) => d.getImage(id).inspect())
        .pipe(
          Effect.flatMap((info) =>
            (info.RepoTags ?? []).filter((t) => t !== "<none>:<none>").length === 0
              ? engine.call(`remove image ${id}`, (d) => d.getImage(id).remove())
              : Effect.void
          ),
          Effect.ignore
        )

    const syncOnce = (env: EnvName, attempt: number): Effect.Effect<SyncedImage, EnvSyncError> =>
      Effect.gen(function* () {
        const newest = yield* store
          .newest(env)
          .pipe(
            Effect.mapError((e) => fail(env, "LoadFailed", `cannot read the tarball folder: ${e.message}`))
          )
        // synced from this tarball already: nothing to ask the engine (an image removed behind our
        // back since shows when a container cannot be created from it, and is synced again then)
        const known = synced.get(env)
        if (
          known !== undefined &&
          Option.isSome(newest) &&
          Option.contains(known.tarball, newest.value.timestamp)
        ) {
          return { ...known, loaded: false, replaced: Option.none() }
        }
        const base = yield* localImage(engine, imageTag(env)).pipe(Effect.mapError(fromDocker(env)))
        if (Option.isNone(newest)) {
          if (Option.isSome(base)) {
            return {
              env,
              image: imageTag(env),
              imageId: base.value.id,
              tarball: Option.none(),
              loaded: false,
              replaced: Option.none()
            }
          }
          return yield* fail(
            env,
            "NoImage",
            `no image ${imageTag(env)} on this node and no tarball ${env}-*.tar in ${store.dir}`
          )
        }
        const tarball = newest.value
        const version = versionTag(env, tarball.timestamp)
        const current = yield* localImage(engine, version).pipe(Effect.mapError(fromDocker(env)))
        const loadedAlready =
          Option.isSome(base) && Option.isSome(current) && base.value.id === current.value.id
        // An image committed after the tarball was written is newer than it (e.g. on the host,
        // between a commit and the end of its save): it is kept, not replaced by the older tarball.
        const newerLocally = Option.isSome(base) && base.value.created > tarball.timestamp
        if (Option.isSome(base) && (loadedAlready || newerLocally)) {
          return {
            env,
            image: imageTag(env),
            imageId: base.value.id,
            tarball: Option.some(tarball.timestamp),
            loaded: false,
            replaced: Option.none()
          }
        }
        yield* Effect.logInfo(`loading ${tarball.file} into ${imageTag(env)}`)
        const loaded = yield* load(env, tarball)
        if (Option.isNone(loaded)) {
          if (attempt + 1 >= attempts) {
            return yield* fail(env, "LoadFailed", `the tarballs of ${env} kept changing while being loaded`)
          }
          return yield* syncOnce(env, attempt + 1)
        }
        yield* tag(env, loaded.value, "base")
        yield* tag(env, loaded.value, `tarball-${tarball.timestamp}`)
        const id = yield* localImage(engine, imageTag(env)).pipe(
          Effect.mapError(fromDocker(env)),
          Effect.flatMap(
            Option.match({
              onNone: () =>
                Effect.fail(fail(env, "LoadFailed", `${imageTag(env)} is missing after docker load`)),
              onSome: (image) => Effect.succeed(image.id)
            })
          )
        )
        yield* prune(env, id, version)
        const replaced = Option.filter(
          Option.map(base, (b) => b.id),
          (previous) => previous !== id
        )
        if (Option.isSome(replaced)) yield* removeIfUntagged(replaced.value)
        return {
          env,
          image: imageTag(env),
          imageId: id,
          tarball: Option.some(tarball.timestamp),
          loaded: true,
          replaced
        }
      })

    const ensure = (env: EnvName) =>
      Effect.gen(function* () {
        const fresh: Pending = yield* Deferred.make<SyncedImage, EnvSyncError>()
        const [deferred, mine] = yield* Ref.modify(
          inFlight,
          (map): readonly [readonly [Pending, boolean], Map<EnvName, Pending>] => {
            const running = map.get(env)
            if (running !== undefined) return [[running, false], map]
            return [[fresh, true], new Map(map).set(env, fresh)]
          }
        )
        if (mine) {
          // A daemon, so a waiter that is interrupted does not cancel the load the others share.
          yield* syncOnce(env, 0).pipe(
            Effect.exit,
            Effect.flatMap((exit) => Deferred.done(fresh, exit)),
            Effect.ensuring(
              Ref.update(inFlight, (map) => {
                const next = new Map(map)
                next.delete(env)
                return next
              })
            ),
            Effect.forkDaemon
          )
        }
        return yield* Deferred.await(deferred)
      }).pipe(Effect.withSpan("EnvSync.ensure", { attributes: { env } }))

    return {
      ensure: (env: EnvName) =>
        Effect.tap(ensure(env), (image) =>
          Effect.sync(() => {
            if (Option.isSome(image.tarball)) synced.set(env, image)
          })
        ),
      forget: (env: EnvName) => Effect.sync(() => synced.delete(env)),
      // the engine keeps the last tag of an image a container uses: the stale version tag first
      dropReplaced: (image: SyncedImage) =>
        Option.match(Option.all({ replaced: image.replaced, tarball: image.tarball }), {
          onNone: () => Effect.void,
          onSome: ({ replaced, tarball }) =>
            Effect.zipRight(
              prune(image.env, image.imageId, versionTag(image.env, tarball)),
              removeIfUntagged(replaced)
            )
        })
    }
  })

/**
 * The sync service over the store in context and an engine.
 * @category layers
 */
export const layer = (
  engine: DockerEngine.DockerEngineOptions = {}
): Layer.Layer<EnvSync, DockerEngine.DockerFailure, Store.TarballStore> =>
  Layer.effect(
    EnvSync,
    Effect.gen(function* () {
      const store = yield* Store.TarballStore
      return yield* make({ store, engine: yield* DockerEngine.make(engine) })
    })
  )
