/**
 * The host's Docker environments: one persistent container per environment (labelled
 * `hakuriver.env=ENV`), packaged on request into `SHARED/<container_dir>/ENV-UNIXSECONDS.tar`
 * through the atomic `TarballStore` write, so a runner never loads a half-written tarball.
 *
 * @since 0.1.0
 */
import {
  BadRequest,
  Conflict,
  type EnvContainer as EnvContainerModel,
  EnvContainer,
  type EnvName,
  type HakuRiverConfig,
  imageTag,
  NotFound,
  parseEnvName,
  type TarballInfo,
  TarProgress,
  Unavailable
} from "@hakuriver/sdk"
import { TarballStore } from "@hakuriver/sdk/executor"
import type Docker from "dockerode"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { type DockerCallError, HostDocker, layer as hostDockerLayer } from "./HostDocker.js"

/**
 * Labels of an environment container.
 * @category constants
 */
export const envLabels = {
  /** The environment name. */
  env: "hakuriver.env",
  /** Always `environment`: tells env containers from task containers, which may carry `env`. */
  kind: "hakuriver.kind",
  /** The image the container was created from, as the user named it. */
  image: "hakuriver.image",
  /** The image's own entrypoint and command (JSON), restored when the container is committed. */
  entrypoint: "hakuriver.image-entrypoint",
  cmd: "hakuriver.image-cmd"
} as const

/** The container name of an environment: `hakuriver-env-ENV`. */
export const containerNameOf = (env: EnvName): string => `hakuriver-env-${env}`

/**
 * The command that keeps an env container alive whatever its image runs by default: a shell that
 * sleeps and leaves at once on `docker stop`.
 */
export const keepAlive: ReadonlyArray<string> = [
  "/bin/sh",
  "-c",
  "trap 'exit 0' TERM INT HUP; while :; do sleep 3600 & wait $!; done"
]

/**
 * The environments of the host.
 * @category models
 */
export interface EnvManagerService {
  /** Every environment container, by env name. */
  readonly listContainers: Effect.Effect<ReadonlyArray<EnvContainerModel>, Unavailable>
  /**
   * Creates and starts the container of `env` from `image` (pulled when it is not local). An env
   * that has a container is a `Conflict`; an image that is neither local nor pullable is a
   * `BadRequest` (or `Unavailable` when no registry answers).
   */
  readonly createContainer: (
    image: string,
    env: EnvName
  ) => Effect.Effect<EnvContainerModel, BadRequest | Conflict | Unavailable>
  readonly startContainer: (env: EnvName) => Effect.Effect<EnvContainerModel, NotFound | Unavailable>
  readonly stopContainer: (env: EnvName) => Effect.Effect<EnvContainerModel, NotFound | Unavailable>
  /** Removes the container; its tarballs and image stay. */
  readonly deleteContainer: (env: EnvName) => Effect.Effect<void, NotFound | Unavailable>
  /**
   * Commits the container to `hakuriver/ENV:base` and saves that image as a new tarball (older
   * ones of the env are removed once it is in place). The container keeps its state. A second
   * `createTar` of the same env while one runs is a `Conflict`.
   */
  readonly createTar: (env: EnvName) => Effect.Effect<TarballInfo, NotFound | Conflict | Unavailable>
  /** The progress of the running or last `createTar` of `env`. */
  readonly tarProgress: (env: EnvName) => Effect.Effect<TarProgress>
  /** Every packaged environment. */
  readonly listTars: Effect.Effect<ReadonlyArray<TarballInfo>, Unavailable>
  /** The newest tarball of `env`, if any. */
  readonly newestTar: (env: EnvName) => Effect.Effect<Option.Option<TarballInfo>, Unavailable>
  /** Whether an image is in the local image store. */
  readonly hasImage: (image: string) => Effect.Effect<boolean, Unavailable>
  /** The dockerode container of `env` when it exists and runs (for the terminal). */
  readonly runningContainer: (
    env: EnvName
  ) => Effect.Effect<Docker.Container, NotFound | Conflict | Unavailable>
}

/**
 * The env manager service.
 * @category tags
 */
export class EnvManager extends Context.Tag("@hakuriver/host/EnvManager")<EnvManager, EnvManagerService>() {}

/** What the manager needs from the configuration. */
export type EnvManagerConfig = Pick<HakuRiverConfig, "paths" | "docker">

const unavailable = (e: DockerCallError) => new Unavailable({ message: e.message })

const idle = (env: EnvName) => new TarProgress({ env, phase: "idle", bytesWritten: 0, error: null })

/**
 * Makes the env manager over the host's Docker engine and the tarball folder of `config`.
 * @category constructors
 */
export const make = (config: EnvManagerConfig) =>
  Effect.gen(function* () {
    const engine = yield* HostDocker
    const scope = yield* Effect.scope
    const store = TarballStore.make(TarballStore.dirOf(config))
    const progress = yield* Ref.make(new Map<EnvName, TarProgress>())

    const setProgress = (env: EnvName, p: Omit<ConstructorParameters<typeof TarProgress>[0], "env">) =>
      Ref.update(progress, (m) => new Map(m).set(env, new TarProgress({ env, ...p })))

    /** Env containers, newest first; task containers (which may inherit the labels) excluded. */
    const envContainers = engine
      .call("list containers", (d) =>
        d.listContainers({ all: true, filters: { label: [`${envLabels.kind}=environment`] } })
      )
      .pipe(
        Effect.map((all) =>
          all
            .filter(
              (c) =>
                Either.isRight(parseEnvName(c.Labels[envLabels.env] ?? "")) &&
                c.Labels["hakuriver.task_id"] === undefined
            )
            .sort((a, b) => b.Created - a.Created)
        ),
        Effect.mapError(unavailable)
      )

    const toModel = (c: Docker.ContainerInfo): EnvContainerModel =>
      new EnvContainer({
        env: c.Labels[envLabels.env] as EnvName,
        containerId: c.Id,
        image: c.Labels[envLabels.image] ?? c.Image,
        state: c.State
      })

    const find = (env: EnvName) =>
      Effect.map(envContainers, (all) =>
        Option.fromNullable(
          all.find((c) => c.Names.includes(`/${containerNameOf(env)}`) && c.Labels[envLabels.env] === env) ??
            all.find((c) => c.Labels[envLabels.env] === env)
        )
      )

    const notFound = (env: EnvName) =>
      new NotFound({
        message: `environment "${env}" has no container on the host (create it with: hakuriver docker create-container IMAGE ${env})`
      })

    const require = (env: EnvName) =>
      Effect.flatMap(
        find(env),
        Option.match({ onNone: () => Effect.fail(notFound(env)), onSome: Effect.succeed })
      )

    const current = (env: EnvName) => Effect.map(require(env), toModel)

    const listContainers = envContainers.pipe(
      Effect.map((all) => {
        const seen = new Set<string>()
        return all.filter((c) => {
          const env = c.Labels[envLabels.env] ?? ""
          if (seen.has(env)) return false
          seen.add(env)
          return true
        })
      }),
      Effect.map((all) => all.map(toModel).sort((a, b) => a.env.localeCompare(b.env))),
      Effect.withSpan("EnvManager.listContainers")
    )

    const hasImage = (image: string) =>
      engine
        .call("inspect image", (d) => d.getImage(image).inspect())
        .pipe(
          Effect.as(true),
          Effect.catchIf(
            (e) => e.status === 404,
            () => Effect.succeed(false)
          ),
          Effect.mapError(unavailable)
        )

    /** Pulls `image`; dockerode reports pull errors inside the progress stream. */
    const pull = (image: string) =>
      engine
        .call("pull image", (d) =>
          d
            .pull(image)
            .then(
              (stream) =>
                new Promise<void>((resolve, reject) =>
                  d.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()))
                )
            )
        )
        .pipe(
          Effect.timeoutFail({
            duration: "10 minutes",
            onTimeout: () =>
              new Unavailable({ message: `pulling image "${image}" took longer than 10 minutes` })
          }),
          Effect.mapError((e) => {
            if (e._tag === "Unavailable") return e
            const reason = `image "${image}" is not on this host and pulling it failed: ${e.detail}`
            const noRegistry =
              e.unreachable ||
              /dial tcp|no such host|lookup |timeout|connection refused|network is unreachable/i.test(
                e.detail
              )
            return noRegistry
              ? new Unavailable({
                  message: `${reason} (no registry reachable; import or build the image on the host)`
                })
              : new BadRequest({ message: reason })
          }),
          Effect.withSpan("EnvManager.pull", { attributes: { image } })
        )

    const conflictOf = (env: EnvName, state: string) =>
      new Conflict({
        message: `environment "${env}" already has a container (${state}); delete it first with: hakuriver docker delete-container ${env}`
      })

    const createContainer = Effect.fn("EnvManager.createContainer")(function* (image: string, env: EnvName) {
      const existing = yield* find(env)
      if (Option.isSome(existing)) return yield* Effect.fail(conflictOf(env, existing.value.State))
      if (!(yield* hasImage(image))) {
        yield* Effect.logInfo(`image "${image}" is not on this host; pulling it`)
        yield* pull(image)
      }
      const info = yield* engine
        .call("inspect image", (d) => d.getImage(image).inspect())
        .pipe(
          Effect.mapError((e) =>
            e.unreachable
              ? unavailable(e)
              : new BadRequest({ message: `cannot use image "${image}": ${e.detail}` })
          )
        )
      const hasEntrypoint = (info.Config.Entrypoint ?? []).length > 0
      const created = yield* engine
        .call("create container", (d) =>
          d.createContainer({
            name: containerNameOf(env),
            Image: image,
            // An image without an entrypoint keeps it that way (a task's command then runs as is
            // in the committed image); one with an entrypoint gets it back at commit.
            ...(hasEntrypoint ? { Entrypoint: [...keepAlive], Cmd: [] } : { Cmd: [...keepAlive] }),
            Tty: true,
            OpenStdin: true,
            WorkingDir: info.Config.WorkingDir === "" ? "/" : info.Config.WorkingDir,
            Labels: {
              [envLabels.env]: env,
              [envLabels.kind]: "environment",
              [envLabels.image]: image,
              [envLabels.entrypoint]: JSON.stringify(info.Config.Entrypoint ?? []),
              [envLabels.cmd]: JSON.stringify(info.Config.Cmd ?? [])
            },
            // The network of task containers (`[docker] network`, host by default), so what is
            // installed in the shell reaches what tasks reach.
            HostConfig: { RestartPolicy: { Name: "unless-stopped" }, NetworkMode: config.docker.network }
          })
        )
        .pipe(
          Effect.mapError((e) =>
            e.status === 409
              ? new Conflict({
                  message: `a container named ${containerNameOf(env)} already exists on the host; remove it or pick another env name`
                })
              : e.unreachable
                ? unavailable(e)
                : new BadRequest({ message: `cannot create the container of "${env}": ${e.detail}` })
          )
        )
      yield* engine
        .call("start container", () => created.start())
        .pipe(
          Effect.catchAll((e) =>
            engine
              .call("remove container", () => created.remove({ force: true }))
              .pipe(
                Effect.ignore,
                Effect.zipRight(
                  Effect.fail(
                    e.unreachable
                      ? unavailable(e)
                      : new BadRequest({
                          message: `the container of "${env}" does not start from image "${image}": ${e.detail}`
                        })
                  )
                )
              )
          )
        )
      yield* Effect.logInfo(`created the container of environment "${env}" from ${image}`)
      return yield* current(env).pipe(
        Effect.catchTag("NotFound", (e) => Effect.fail(new Unavailable({ message: e.message })))
      )
    })

    /** A start or stop; Docker's 304 ("already in that state") counts as done. */
    const idempotent = (what: string, f: Parameters<typeof engine.call>[1]) =>
      engine.call(what, f).pipe(
        Effect.asVoid,
        Effect.catchIf(
          (e) => e.status === 304,
          () => Effect.void
        ),
        Effect.mapError(unavailable)
      )

    const startContainer = Effect.fn("EnvManager.startContainer")(function* (env: EnvName) {
      const c = yield* require(env)
      if (c.State !== "running") {
        yield* idempotent("start container", (d) =>
          c.State === "paused" ? d.getContainer(c.Id).unpause() : d.getContainer(c.Id).start()
        )
      }
      return yield* current(env)
    })

    const stopContainer = Effect.fn("EnvManager.stopContainer")(function* (env: EnvName) {
      const c = yield* require(env)
      yield* idempotent("stop container", (d) => d.getContainer(c.Id).stop({ t: 10 }))
      return yield* current(env)
    })

    const deleteContainer = Effect.fn("EnvManager.deleteContainer")(function* (env: EnvName) {
      const c = yield* require(env)
      yield* engine
        .call("remove container", (d) => d.getContainer(c.Id).remove({ force: true }))
        .pipe(
          Effect.catchIf(
            (e) => e.status === 404,
            () => Effect.void
          ),
          Effect.mapError(unavailable)
        )
      yield* Effect.logInfo(`deleted the container of environment "${env}" (tarballs kept)`)
    })

    const parseJsonArray = (text: string | undefined): ReadonlyArray<string> => {
      if (text === undefined) return []
      try {
        const parsed: unknown = JSON.parse(text)
        return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : []
      } catch {
        return []
      }
    }

    /**
     * Dockerfile changes that give the committed image the entrypoint and command of its source
     * image. Docker cannot clear them to "none" at commit, so only non-empty ones are restored:
     * an image without an entrypoint keeps none, and one without a command keeps the keep-alive
     * command (a task always names its command).
     */
    const restoreChanges = (c: Docker.ContainerInfo): Array<string> => {
      const entrypoint = parseJsonArray(c.Labels[envLabels.entrypoint])
      const cmd = parseJsonArray(c.Labels[envLabels.cmd])
      return [
        ...(entrypoint.length > 0 ? [`ENTRYPOINT ${JSON.stringify(entrypoint)}`] : []),
        ...(cmd.length > 0 ? [`CMD ${JSON.stringify(cmd)}`] : [])
      ]
    }

    /** Commits the container; the image gets back the entrypoint and command of its source. */
    const commit = (env: EnvName, c: Docker.ContainerInfo) =>
      engine
        .call("commit container", (d) =>
          d.getContainer(c.Id).commit({
            repo: `hakuriver/${env}`,
            tag: "base",
            pause: true,
            comment: `hakuriver create-tar ${env}`,
            changes: restoreChanges(c)
          })
        )
        .pipe(Effect.mapError(unavailable))

    const previousImageId = (env: EnvName) =>
      engine
        .call("inspect image", (d) => d.getImage(imageTag(env)).inspect())
        .pipe(
          Effect.map((i) => Option.some(i.Id)),
          Effect.orElseSucceed(() => Option.none<string>())
        )

    /**
     * Drops the image this commit replaced: its `tarball-TS` tags of this env, then the image
     * itself once untagged. One still used by a container stays; failures are ignored.
     */
    const dropImage = (env: EnvName, id: string) =>
      Effect.gen(function* () {
        const info = yield* engine.call("inspect image", (d) => d.getImage(id).inspect())
        const versions = (info.RepoTags ?? []).filter((t) => t.startsWith(`hakuriver/${env}:tarball-`))
        yield* Effect.forEach(versions, (t) => engine.call("untag image", (d) => d.getImage(t).remove()), {
          discard: true
        })
        if (versions.length === (info.RepoTags ?? []).length) {
          yield* engine.call("remove image", (d) => d.getImage(id).remove())
        }
      }).pipe(Effect.ignore)

    const save = (env: EnvName) =>
      Effect.gen(function* () {
        const source = yield* engine
          .call("save image", (d) => d.getImage(imageTag(env)).get())
          .pipe(Effect.mapError(unavailable))
        return yield* store
          .write(env, source, {
            onProgress: (bytesWritten) => setProgress(env, { phase: "saving", bytesWritten, error: null })
          })
          .pipe(
            Effect.mapError(
              (e) => new Unavailable({ message: `cannot write the tarball of "${env}": ${e.message}` })
            )
          )
      })

    const claim = (env: EnvName) =>
      Ref.modify(progress, (m) => {
        const p = m.get(env)
        if (p !== undefined && (p.phase === "committing" || p.phase === "saving")) return [false, m] as const
        return [
          true,
          new Map(m).set(env, new TarProgress({ env, phase: "committing", bytesWritten: 0, error: null }))
        ] as const
      })

    const createTar = Effect.fn("EnvManager.createTar")(function* (env: EnvName) {
      const c = yield* require(env)
      if (!(yield* claim(env)))
        return yield* Effect.fail(
          new Conflict({ message: `a tarball of "${env}" is being created; wait for it` })
        )
      const run = Effect.gen(function* () {
        const before = yield* previousImageId(env)
        yield* commit(env, c)
        yield* setProgress(env, { phase: "saving", bytesWritten: 0, error: null })
        const info = yield* save(env)
        // A runner on this same engine (`hakuriver up`) then knows the image is that tarball's.
        yield* engine
          .call("tag image", (d) =>
            d.getImage(imageTag(env)).tag({ repo: `hakuriver/${env}`, tag: `tarball-${info.timestamp}` })
          )
          .pipe(Effect.ignore)
        const after = yield* previousImageId(env)
        if (Option.isSome(before) && Option.getOrUndefined(after) !== before.value) {
          yield* dropImage(env, before.value)
        }
        yield* setProgress(env, { phase: "done", bytesWritten: info.sizeBytes, error: null })
        yield* Effect.logInfo(`packaged environment "${env}" as ${info.file} (${info.sizeBytes} bytes)`)
        return info
      })
      // The work belongs to the manager, not to the request: a client that gives up waiting (a
      // big image saves for minutes) does not abort it; it can follow `tarProgress` instead.
      const work = yield* run.pipe(
        Effect.tapError((e) =>
          Ref.get(progress).pipe(
            Effect.flatMap((m) =>
              setProgress(env, {
                phase: "failed",
                bytesWritten: m.get(env)?.bytesWritten ?? 0,
                error: e.message
              })
            )
          )
        ),
        Effect.onInterrupt(() =>
          setProgress(env, { phase: "failed", bytesWritten: 0, error: "interrupted" })
        ),
        Effect.forkIn(scope)
      )
      return yield* Fiber.join(work)
    })

    const tarProgress = (env: EnvName) => Effect.map(Ref.get(progress), (m) => m.get(env) ?? idle(env))

    const listTars = store.list.pipe(
      Effect.mapError((e) => new Unavailable({ message: `cannot read the tarball folder: ${e.message}` }))
    )

    const newestTar = (env: EnvName) =>
      store
        .newest(env)
        .pipe(
          Effect.mapError((e) => new Unavailable({ message: `cannot read the tarball folder: ${e.message}` }))
        )

    const runningContainer = Effect.fn("EnvManager.runningContainer")(function* (env: EnvName) {
      const c = yield* require(env)
      if (c.State !== "running")
        return yield* Effect.fail(
          new Conflict({
            message: `the container of "${env}" is ${c.State}; start it with: hakuriver docker start-container ${env}`
          })
        )
      return engine.docker.getContainer(c.Id)
    })

    return EnvManager.of({
      listContainers,
      createContainer,
      startContainer,
      stopContainer,
      deleteContainer,
      createTar,
      tarProgress,
      listTars,
      newestTar,
      hasImage,
      runningContainer
    })
  })

/** One layer value per config object, so that the pieces of one host built together share it. */
const layers = new WeakMap<EnvManagerConfig, Layer.Layer<EnvManager>>()

/**
 * The env manager over the local Docker engine (`DOCKER_HOST`, else the default socket). The same
 * config object gives the same layer value, so the `docker` routes, the terminal and the
 * host-start bootstrap of one host share one manager (one create-tar at a time per env, one
 * progress).
 * @category layers
 */
export const layer = (config: EnvManagerConfig): Layer.Layer<EnvManager> => {
  const known = layers.get(config)
  if (known !== undefined) return known
  const made = Layer.scoped(EnvManager, make(config)).pipe(Layer.provide(hostDockerLayer))
  layers.set(config, made)
  return made
}
