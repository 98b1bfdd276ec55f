/**
 * The floor of the prescribed stack: an Effect `HttpApi` server on `@effect/platform-node` with
 * the host's `register` and `heartbeat` endpoints (the SDK's own schemas, so each body is decoded
 * and each answer encoded as the host does), tracing off as in the host, the cluster server's
 * keep-alive, and handlers that keep the nodes in a `Map` — none of our middleware, no store, no
 * scheduler. Between Node's bare server (`bareHost.mjs`) and the host it tells what the stack
 * costs and what is ours. `stackHost.build()` bundles it as the CLI is bundled (tsup, tree-shaken),
 * so the process loads no TypeScript loader; run the bundle with `node FILE PORT INTERVAL_S`.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
// the SDK's modules one by one, as the CLI's bundle takes them: only what these two routes use
import { clusterServer } from "../../packages/core/src/api/clusterServer.js"
import { UnknownNode } from "../../packages/core/src/api/errors.js"
import { RegisterResponse } from "../../packages/core/src/api/models.js"
import { untraced } from "../../packages/core/src/api/serverTracing.js"
import { Heartbeat, HeartbeatAck } from "../../packages/core/src/domain/Heartbeat.js"
import { NodeName } from "../../packages/core/src/domain/ids.js"
import { NodeInfo } from "../../packages/core/src/domain/Node.js"

const port = Number(process.argv[2] ?? 0)
const intervalS = Number(process.argv[3] ?? 5)

// the two endpoints as HostApi declares them (its runners group, less its other routes)
const Runners = HttpApiGroup.make("runners")
  .add(HttpApiEndpoint.post("register", "/nodes/register").setPayload(NodeInfo).addSuccess(RegisterResponse))
  .add(
    HttpApiEndpoint.post("heartbeat", "/nodes/:name/heartbeat")
      .setPath(Schema.Struct({ name: NodeName }))
      .setPayload(Heartbeat)
      .addSuccess(HeartbeatAck)
      .addError(UnknownNode)
  )
const Api = HttpApi.make("stack-floor").add(Runners)

const nodes = new Map<string, { beat: Heartbeat | null; at: number }>()
const RunnersLive = HttpApiBuilder.group(Api, "runners", (handlers) =>
  handlers
    .handle("register", ({ payload }) =>
      Effect.sync(() => {
        nodes.set(payload.name, { beat: null, at: Date.now() })
        return new RegisterResponse({ heartbeatIntervalS: intervalS })
      })
    )
    .handle("heartbeat", ({ path, payload }) => {
      const node = nodes.get(path.name)
      if (node === undefined)
        return Effect.fail(new UnknownNode({ node: path.name, message: "not registered" }))
      node.beat = payload
      node.at = Date.now()
      return Effect.succeed(new HeartbeatAck({ killTaskIds: [] }))
    })
)

const server = HttpApiBuilder.serve().pipe(
  HttpServer.withLogAddress,
  Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(RunnersLive))),
  Layer.provide(
    NodeHttpServer.layer(clusterServer({ timing: { heartbeat_interval: intervalS } }), {
      port,
      host: "127.0.0.1"
    })
  ),
  untraced
)

NodeRuntime.runMain(Layer.launch(server))
