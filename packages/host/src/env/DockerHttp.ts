/**
 * The `docker` group of HostApi: environment containers and tarballs on the host.
 *
 * PLACEHOLDER until issue #6 lands: every route answers 503. The signature is fixed: the host
 * composes `DockerGroupLive(config)` into its API layer.
 *
 * @since 0.1.0
 */
import { HttpApiBuilder } from "@effect/platform"
import { HostApi, type HakuRiverConfig, Unavailable } from "@hakuriver/sdk"
import { Effect } from "effect"

const notYet = Effect.fail(
  new Unavailable({ message: "Docker environments are not available on this host yet" })
)

/** @category layers */
export const DockerGroupLive = (_config: HakuRiverConfig) =>
  HttpApiBuilder.group(HostApi, "docker", (handlers) =>
    handlers
      .handle("listContainers", () => notYet)
      .handle("createContainer", () => notYet)
      .handle("startContainer", () => notYet)
      .handle("stopContainer", () => notYet)
      .handle("deleteContainer", () => notYet)
      .handle("listTars", () => Effect.succeed([]))
      .handle("createTar", () => notYet)
      .handle("tarProgress", () => Effect.die("Docker environments are not available on this host yet"))
  )
