/**
 * Host start: when the default environment (`[docker] default_container_name`) has no tarball,
 * package it from `initial_base_image` if that image is in the local image store; otherwise log
 * one clear line and carry on (the host never fails to start for this).
 *
 * @since 0.1.0
 */
import { type HakuRiverConfig, parseEnvName } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as EnvManager from "./EnvManager.js"

/**
 * What happened at start: `present` (a tarball exists), `created` (one was made now),
 * `skipped` (with the reason, also logged).
 * @category models
 */
export type BootstrapOutcome =
  | { readonly _tag: "present"; readonly file: string }
  | { readonly _tag: "created"; readonly file: string }
  | { readonly _tag: "skipped"; readonly reason: string }

/**
 * Makes sure the default environment has a tarball. Never fails: every problem becomes a
 * `skipped` outcome and one warning line.
 * @category effects
 */
export const ensureDefaultEnv = (
  config: Pick<HakuRiverConfig, "docker">
): Effect.Effect<BootstrapOutcome, never, EnvManager.EnvManager> =>
  Effect.gen(function* () {
    const envs = yield* EnvManager.EnvManager
    const image = config.docker.initial_base_image
    const parsed = parseEnvName(config.docker.default_container_name)
    if (Either.isLeft(parsed)) return { _tag: "skipped", reason: parsed.left.message } as const
    const env = parsed.right
    const newest = yield* envs.newestTar(env)
    if (Option.isSome(newest)) return { _tag: "present", file: newest.value.file } as const
    if (!(yield* envs.hasImage(image))) {
      return {
        _tag: "skipped",
        reason:
          `default environment "${env}" has no tarball and its initial_base_image "${image}" is not in ` +
          `the local image store; pull or import it (docker pull ${image}) and restart the host, or run: ` +
          `hakuriver docker create-container IMAGE ${env} && hakuriver docker create-tar ${env}`
      } as const
    }
    const hasContainer = (yield* envs.listContainers).some((c) => c.env === env)
    if (!hasContainer) yield* envs.createContainer(image, env)
    const info = yield* envs.createTar(env)
    return { _tag: "created", file: info.file } as const
  }).pipe(
    Effect.catchAll((e) =>
      Effect.succeed({
        _tag: "skipped",
        reason: `could not create the default environment "${config.docker.default_container_name}": ${e.message}`
      } as const)
    ),
    Effect.tap((outcome) =>
      outcome._tag === "skipped"
        ? Effect.logWarning(outcome.reason)
        : outcome._tag === "created"
          ? Effect.logInfo(`created the default environment tarball ${outcome.file}`)
          : Effect.void
    ),
    Effect.withSpan("EnvBootstrap.ensureDefaultEnv")
  )

/**
 * Runs {@link ensureDefaultEnv} in the background when the layer is built (the host is serving
 * meanwhile); it stops with the layer's scope.
 * @category layers
 */
export const EnvBootstrapLive = (config: HakuRiverConfig): Layer.Layer<never> =>
  Layer.scopedDiscard(Effect.forkScoped(ensureDefaultEnv(config))).pipe(
    Layer.provide(EnvManager.layer(config))
  )
