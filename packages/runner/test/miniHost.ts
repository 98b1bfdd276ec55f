/**
 * A minimal host for runner tests: the real `RunnersGroup` of the HostApi contract served with
 * HttpApiBuilder on a loopback port, recording registrations, heartbeats and status reports.
 */
import { createServer } from "node:http"
import * as net from "node:net"
import { HttpApi, HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import {
  applyReports,
  Authorization,
  authorizationLayer,
  type Heartbeat,
  HeartbeatAck,
  type NodeInfo,
  NotFound,
  RegisterResponse,
  RunnersGroup,
  type StatusUpdate,
  Task,
  type TaskId,
  UnknownNode
} from "@hakuriver/sdk"
import { Effect, Layer, type Scope } from "effect"
import { makeTask as makeKitTask, uniqueDigits } from "../../../test/kit/index.js"

class MiniHostApi extends HttpApi.make("MiniHost").add(RunnersGroup).middleware(Authorization) {}

/** What the mini host saw, and knobs for the test. */
export interface MiniHostState {
  readonly registrations: Array<NodeInfo>
  readonly heartbeats: Array<Heartbeat>
  readonly reports: Array<StatusUpdate>
  /** How many `POST /tasks/status` requests carried them. */
  reportRequests: number
  /** The `node` each of those requests named. */
  readonly reportNodes: Array<string | undefined>
  readonly tasks: Map<TaskId, Task>
  readonly known: Set<string>
  killTaskIds: Array<TaskId>
  heartbeatIntervalS: number
}

/** Fresh state; pass the same state to a restarted mini host to keep what it knew. */
export const makeState = (): MiniHostState => ({
  registrations: [],
  heartbeats: [],
  reports: [],
  reportRequests: 0,
  reportNodes: [],
  tasks: new Map(),
  known: new Set(),
  killTaskIds: [],
  heartbeatIntervalS: 0.2
})

/** Takes a status report for a task the mini host knows. */
const record = (state: MiniHostState, payload: StatusUpdate) =>
  Effect.suspend(() => {
    const task = state.tasks.get(payload.taskId)
    if (task === undefined) return Effect.fail(new NotFound({ message: `no task ${payload.taskId}` }))
    state.reports.push(payload)
    const updated = new Task({
      ...task,
      status: payload.status,
      exitCode: payload.exitCode ?? task.exitCode,
      error: payload.error ?? task.error
    })
    state.tasks.set(payload.taskId, updated)
    return Effect.succeed(updated)
  })

const RunnersLive = (state: MiniHostState) =>
  HttpApiBuilder.group(MiniHostApi, "runners", (handlers) =>
    handlers
      .handle("register", ({ payload }) =>
        Effect.sync(() => {
          state.registrations.push(payload)
          state.known.add(payload.name)
          return new RegisterResponse({ heartbeatIntervalS: state.heartbeatIntervalS })
        })
      )
      .handle("heartbeat", ({ path, payload }) =>
        Effect.suspend(() => {
          if (!state.known.has(path.name))
            return Effect.fail(new UnknownNode({ node: path.name, message: "unknown node" }))
          state.heartbeats.push(payload)
          return Effect.succeed(new HeartbeatAck({ killTaskIds: state.killTaskIds }))
        })
      )
      .handle("reportStatus", ({ payload }) => record(state, payload))
      .handle("reportStatuses", ({ payload }) =>
        applyReports(payload.updates, (update) => record(state, update)).pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              state.reportRequests++
              state.reportNodes.push(payload.node)
            })
          )
        )
      )
  )

/** Serves a mini host on 127.0.0.1:`port` (0 = any) in the scope; returns the port. */
export const serveMiniHost = (
  state: MiniHostState,
  options: { readonly port?: number; readonly token?: string } = {}
): Effect.Effect<number, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const api = HttpApiBuilder.api(MiniHostApi).pipe(
      Layer.provide(RunnersLive(state)),
      Layer.provide(authorizationLayer(options.token ?? ""))
    )
    const server = NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: options.port ?? 0 })
    const context = yield* Layer.build(
      HttpApiBuilder.serve().pipe(Layer.provide(api), Layer.provideMerge(server))
    )
    const address = (yield* Effect.provide(HttpServer.HttpServer, context)).address
    return address._tag === "TcpAddress" ? address.port : 0
  })

/** A loopback port that was free a moment ago. */
export const freePort = (): Effect.Effect<number> =>
  Effect.async<number>((resume) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })

/** A task as the host would send it (node `r1`), with its log paths under `sharedDir`. */
export const makeTask = (
  sharedDir: string,
  command: ReadonlyArray<string>,
  extra: Partial<Record<string, unknown>> = {}
): Task => {
  const taskId = uniqueDigits()
  return makeKitTask(command, { taskId, batchId: taskId, node: "r1", ...extra }, { sharedDir })
}

/** Polls `check` until it returns true (every 50 ms, up to `seconds`). */
export const eventually = (check: () => boolean, seconds = 15): Effect.Effect<void, Error> =>
  Effect.gen(function* () {
    const deadline = Date.now() + seconds * 1000
    while (!check()) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error("condition not reached in time"))
      yield* Effect.sleep("50 millis")
    }
  })
