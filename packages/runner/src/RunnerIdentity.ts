/**
 * Who this runner is: its node name, the URL the host reaches it at (with the port the server
 * really listens on, so port 0 works), and the `NodeInfo` it registers with.
 *
 * @since 0.1.0
 */
import * as HttpServer from "@effect/platform/HttpServer"
import { NodeInfo, type NodeName } from "@hakuriver/sdk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Probe } from "./probe/Probe.js"
import { TaskSupervisor } from "./TaskSupervisor.js"

/**
 * The identity service.
 * @category tags
 */
export class RunnerIdentity extends Context.Tag("@hakuriver/runner/RunnerIdentity")<
  RunnerIdentity,
  {
    readonly name: NodeName
    /** `http://runner_address:PORT` */
    readonly url: string
    /** The registration, with the executors that work right now. */
    readonly nodeInfo: Effect.Effect<NodeInfo>
  }
>() {}

/**
 * The identity of a runner named `name`, reachable at `address` on the port of the running
 * `HttpServer`.
 * @category layers
 */
export const layer = (
  name: NodeName,
  address: string
): Layer.Layer<RunnerIdentity, never, HttpServer.HttpServer | Probe | TaskSupervisor> =>
  Layer.effect(
    RunnerIdentity,
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const probe = yield* Probe
      const supervisor = yield* TaskSupervisor
      const port = server.address._tag === "TcpAddress" ? server.address.port : 0
      const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address
      const url = `http://${host}:${port}`
      const nodeInfo = Effect.map(
        supervisor.availableExecutors,
        (executors) =>
          new NodeInfo({
            name,
            url,
            cores: probe.resources.cores,
            memoryBytes: probe.resources.memoryBytes,
            numa: [...probe.resources.numa],
            gpus: [...probe.resources.gpus],
            executors: [...executors]
          })
      )
      return RunnerIdentity.of({ name, url, nodeInfo })
    })
  )
