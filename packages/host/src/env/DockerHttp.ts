/**
 * The `docker` group of HostApi (environment containers and tarballs on the host), served by the
 * {@link EnvManager}, together with the terminal WebSocket route that shares it.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { type HakuRiverConfig, HostApi } from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { TerminalRouteLive } from "../terminal/TerminalRoute.js"
import * as EnvManager from "./EnvManager.js"

/**
 * The handlers of the `docker` group over a given {@link EnvManager.EnvManager}.
 * @category layers
 */
export const DockerGroupHandlers = HttpApiBuilder.group(HostApi, "docker", (handlers) =>
  Effect.gen(function* () {
    const envs = yield* EnvManager.EnvManager
    return handlers
      .handle("listContainers", () => envs.listContainers)
      .handle("createContainer", ({ payload }) => envs.createContainer(payload.image, payload.env))
      .handle("startContainer", ({ path }) => envs.startContainer(path.env))
      .handle("stopContainer", ({ path }) => envs.stopContainer(path.env))
      .handle("deleteContainer", ({ path }) => envs.deleteContainer(path.env))
      .handle("listTars", () => envs.listTars.pipe(Effect.orDie))
      .handle("createTar", ({ path }) => envs.createTar(path.env))
      .handle("tarProgress", ({ path }) => envs.tarProgress(path.env))
  })
)

/**
 * The `docker` group and the terminal route (`GET /docker/containers/:env/shell`), sharing one
 * env manager over the local Docker engine and the tarball folder of `config`. The host composes
 * it into its API layer; a host without Docker still starts (calls answer 503).
 * @category layers
 */
export const DockerGroupLive = (config: HakuRiverConfig) =>
  Layer.merge(DockerGroupHandlers, TerminalRouteLive(config)).pipe(Layer.provide(EnvManager.layer(config)))
