/**
 * The tarball folder `SHARED/<container_dir>`: packaged environments as `ENV-UNIXSECONDS.tar`.
 * Writes are atomic: a tarball is streamed into a hidden temporary file in the same folder,
 * flushed to disk, then linked under its final name, so a reader never sees a half-written file.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { TarballInfo } from "../api/models.js"
import { type EnvName, formatTarballName, parseTarballName } from "../domain/index.js"
import { forEachChunk } from "../executor/docker/readableChunks.js"

/**
 * A file operation on the tarball folder failed.
 * @category errors
 */
export class TarballStoreError extends Schema.TaggedError<TarballStoreError>()("TarballStoreError", {
  operation: Schema.String,
  path: Schema.String,
  /** The system error code (`ENOENT`, `EEXIST`…) when there is one. */
  code: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.operation} ${this.path}: ${this.detail}`
  }
}

/**
 * The bytes of a tarball: an Effect stream, or a Node readable such as dockerode's `image.get()`.
 * @category models
 */
export type TarballSource<E> = Stream.Stream<Uint8Array, E> | NodeJS.ReadableStream

/**
 * Options of {@link TarballStore.write}.
 * @category models
 */
export interface WriteOptions {
  /** Called after each chunk with the bytes written so far. */
  readonly onProgress?: ((bytesWritten: number) => Effect.Effect<void>) | undefined
  /**
   * The tarball's unix seconds; defaults to now. The store always picks a time later than the
   * newest tarball of the env, so the new one is the newest.
   */
  readonly timestamp?: number | undefined
}

/**
 * The tarball folder.
 * @category models
 */
export interface TarballStore {
  /** The folder, `SHARED/<container_dir>`. */
  readonly dir: string
  /** Every env with tarballs: its newest one, its size, and all versions (newest first). */
  readonly list: Effect.Effect<ReadonlyArray<TarballInfo>, TarballStoreError>
  /** The newest tarball of an env. */
  readonly newest: (env: EnvName) => Effect.Effect<Option.Option<TarballInfo>, TarballStoreError>
  /** The absolute path of a tarball. */
  readonly pathOf: (tarball: { readonly env: string; readonly timestamp: number }) => string
  /**
   * Writes a new tarball of `env` atomically, then removes the older tarballs of that env.
   * Interrupted or failed writes leave nothing behind.
   */
  readonly write: <E = never>(
    env: EnvName,
    source: TarballSource<E>,
    options?: WriteOptions
  ) => Effect.Effect<TarballInfo, TarballStoreError | E>
  /** Removes every tarball of an env. */
  readonly remove: (env: EnvName) => Effect.Effect<void, TarballStoreError>
}

/**
 * The tarball store service.
 * @category tags
 */
export const TarballStore = Context.GenericTag<TarballStore>("@hakuriver/sdk/TarballStore")

/** Whether a name is one of the store's temporary files (never a tarball). */
export const isTemporary = (name: string): boolean => name.startsWith(".") && name.endsWith(".partial")

const errnoCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

const io = <A>(operation: string, file: string, f: () => Promise<A>) =>
  Effect.tryPromise({
    try: f,
    catch: (cause) => {
      const code = errnoCode(cause)
      return new TarballStoreError({
        operation,
        path: file,
        ...(code === undefined ? {} : { code }),
        detail: cause instanceof Error ? cause.message : String(cause)
      })
    }
  })

/** Removes a file; one already gone is fine. */
const unlinkIfPresent = (file: string) =>
  io("remove", file, () => fs.unlink(file)).pipe(
    Effect.catchAll((e) => (e.code === "ENOENT" ? Effect.void : Effect.fail(e)))
  )

interface Entry {
  readonly env: EnvName
  readonly timestamp: number
  readonly file: string
}

const isStream = <E>(source: TarballSource<E>): source is Stream.Stream<Uint8Array, E> =>
  typeof source === "object" && source !== null && Stream.StreamTypeId in source

/**
 * Makes a store over `dir` (created on first write).
 * @category constructors
 */
export const make = (dir: string): TarballStore => {
  const root = path.resolve(dir)
  const pathOf = (t: { readonly env: string; readonly timestamp: number }) =>
    path.join(root, formatTarballName(t))

  const entries: Effect.Effect<ReadonlyArray<Entry>, TarballStoreError> = io("list", root, () =>
    fs.readdir(root).catch((cause: unknown) => {
      if (errnoCode(cause) === "ENOENT") return []
      throw cause
    })
  ).pipe(
    Effect.map((names) =>
      names.flatMap((file) => {
        const parsed = parseTarballName(file)
        return Either.isRight(parsed)
          ? [{ env: parsed.right.env, timestamp: parsed.right.timestamp, file }]
          : []
      })
    )
  )

  /** Newest first per env; a tarball removed between readdir and stat is skipped. */
  const describe = (
    group: ReadonlyArray<Entry>
  ): Effect.Effect<Option.Option<TarballInfo>, TarballStoreError> =>
    Effect.gen(function* () {
      const sorted = [...group].sort((a, b) => b.timestamp - a.timestamp)
      for (const entry of sorted) {
        const stat = yield* io("stat", pathOf(entry), () => fs.stat(pathOf(entry))).pipe(
          Effect.map(Option.some),
          Effect.catchAll((e) => (e.code === "ENOENT" ? Effect.succeed(Option.none()) : Effect.fail(e)))
        )
        if (Option.isSome(stat) && stat.value.isFile()) {
          return Option.some(
            new TarballInfo({
              env: entry.env,
              timestamp: entry.timestamp,
              file: entry.file,
              sizeBytes: stat.value.size,
              versions: sorted.map((e) => e.timestamp)
            })
          )
        }
      }
      return Option.none()
    })

  const byEnv = (all: ReadonlyArray<Entry>) => {
    const groups = new Map<EnvName, Array<Entry>>()
    for (const e of all) groups.set(e.env, [...(groups.get(e.env) ?? []), e])
    return groups
  }

  const list = entries.pipe(
    Effect.flatMap((all) => Effect.forEach([...byEnv(all).values()], describe)),
    Effect.map((infos) => infos.flatMap(Option.toArray).sort((a, b) => a.env.localeCompare(b.env))),
    Effect.withSpan("TarballStore.list")
  )

  const newest = (env: EnvName) =>
    entries.pipe(
      Effect.flatMap((all) => describe(all.filter((e) => e.env === env))),
      Effect.withSpan("TarballStore.newest", { attributes: { env } })
    )

  const removeOlder = (env: EnvName, timestamp: number) =>
    entries.pipe(
      Effect.flatMap((all) =>
        Effect.forEach(
          all.filter((e) => e.env === env && e.timestamp < timestamp),
          (e) => unlinkIfPresent(pathOf(e)),
          { discard: true }
        )
      )
    )

  const syncDir = io("sync", root, async () => {
    const handle = await fs.open(root, "r")
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  }).pipe(Effect.ignore)

  /** Links the finished temp file under the first free name at or after `timestamp`. */
  const publish = (env: EnvName, temp: string, timestamp: number): Effect.Effect<number, TarballStoreError> =>
    io("publish", pathOf({ env, timestamp }), () => fs.link(temp, pathOf({ env, timestamp }))).pipe(
      Effect.as(timestamp),
      Effect.catchAll((e) => (e.code === "EEXIST" ? publish(env, temp, timestamp + 1) : Effect.fail(e)))
    )

  const write = <E = never>(
    env: EnvName,
    source: TarballSource<E>,
    options: WriteOptions = {}
  ): Effect.Effect<TarballInfo, TarballStoreError | E> =>
    Effect.gen(function* () {
      yield* io("create", root, () => fs.mkdir(root, { recursive: true }))
      const temp = path.join(root, `.${env}.${randomUUID()}.tar.partial`)
      const written = yield* Effect.acquireUseRelease(
        io("create", temp, () => fs.open(temp, "wx", 0o644)),
        (handle) => {
          const writeChunk = (total: number, chunk: Uint8Array) =>
            io("write", temp, () => handle.write(chunk)).pipe(
              Effect.map(() => total + chunk.length),
              Effect.tap((n) => options.onProgress?.(n) ?? Effect.void)
            )
          const pump: Effect.Effect<number, TarballStoreError | E> = isStream(source)
            ? Stream.runFoldEffect(source, 0, writeChunk)
            : Effect.flatMap(Effect.runtime<never>(), (runtime) => {
                let total = 0
                return forEachChunk(
                  source,
                  (chunk) =>
                    Runtime.runPromiseExit(runtime)(writeChunk(total, chunk)).then((exit) => {
                      if (Exit.isFailure(exit)) return Promise.reject(Cause.squash(exit.cause))
                      total = exit.value
                      return undefined
                    }),
                  (cause) =>
                    cause instanceof TarballStoreError
                      ? cause
                      : new TarballStoreError({
                          operation: "read source",
                          path: temp,
                          detail: cause instanceof Error ? cause.message : String(cause)
                        })
                ).pipe(Effect.map(() => total))
              })
          return pump.pipe(Effect.tap(() => io("sync", temp, () => handle.sync())))
        },
        (handle) => Effect.promise(() => handle.close().catch(() => undefined))
      ).pipe(Effect.onError(() => Effect.promise(() => fs.unlink(temp).catch(() => undefined))))
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const previous = yield* newest(env)
      const wanted = Math.max(
        options.timestamp ?? now,
        Option.match(previous, { onNone: () => 0, onSome: (p) => p.timestamp + 1 })
      )
      const timestamp = yield* publish(env, temp, wanted).pipe(
        Effect.ensuring(Effect.promise(() => fs.unlink(temp).catch(() => undefined)))
      )
      yield* syncDir
      yield* removeOlder(env, timestamp)
      return new TarballInfo({
        env,
        timestamp,
        file: formatTarballName({ env, timestamp }),
        sizeBytes: written,
        versions: [timestamp]
      })
    }).pipe(Effect.withSpan("TarballStore.write", { attributes: { env } }))

  const remove = (env: EnvName) =>
    entries.pipe(
      Effect.flatMap((all) =>
        Effect.forEach(
          all.filter((e) => e.env === env),
          (e) => unlinkIfPresent(pathOf(e)),
          { discard: true }
        )
      ),
      Effect.withSpan("TarballStore.remove", { attributes: { env } })
    )

  return { dir: root, list, newest, pathOf, write, remove }
}

/**
 * The store as a layer.
 * @category layers
 */
export const layer = (dir: string): Layer.Layer<TarballStore> => Layer.succeed(TarballStore, make(dir))

/**
 * The tarball folder of a configuration: `shared_dir/container_dir`.
 * @category constructors
 */
export const dirOf = (config: {
  readonly paths: { readonly shared_dir: string }
  readonly docker: { readonly container_dir: string }
}): string => path.join(config.paths.shared_dir, config.docker.container_dir)
