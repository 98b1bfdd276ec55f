/**
 * The host's HTTP contract. The host implements it with `HttpApiBuilder`; runners, the SDK client
 * and the CLI derive their clients from it with `HttpApiClient`.
 *
 * Routes (all JSON):
 * - runners: `POST /nodes/register`, `POST /nodes/:name/heartbeat`, `POST /tasks/:id/status`,
 *   `POST /tasks/status` (several reports at once)
 * - clients: `POST /tasks`, `POST /tasks/submit-and-wait`, `GET /tasks`, `GET /tasks/:id`,
 *   `POST /tasks/wait`, `POST /tasks/:id/kill|pause|resume`, `GET /tasks/:id/logs`, `GET /nodes`,
 *   `GET /health`
 * - environments: `/docker/containers…`, `/docker/tars…` (the terminal is a WebSocket at
 *   `/docker/containers/:env/shell`, outside this typed contract)
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as Schema from "effect/Schema"
import {
  EnvName,
  Heartbeat,
  HeartbeatAck,
  NodeInfo,
  NodeName,
  StatusUpdate,
  Task,
  TaskId,
  TaskSpec
} from "../domain/index.js"
import { BadRequest, Conflict, NotFound, Unavailable, UnknownNode } from "./errors.js"
import {
  BatchSubmitRequest,
  CreateContainerRequest,
  EnvContainer,
  HealthReport,
  LogChunk,
  LogQuery,
  NodeView,
  Ping,
  RegisterResponse,
  StatusReportOutcome,
  StatusReports,
  SubmitAndWaitQuery,
  SubmitAndWaitResponse,
  SubmitResponse,
  TarballInfo,
  TarProgress,
  TaskQuery,
  WaitRequest
} from "./models.js"
import { Authorization } from "./security.js"

const TaskPath = Schema.Struct({ id: TaskId })

/** Client payloads refuse fields they do not know (a typo must not be silently ignored). */
const strict = { parseOptions: { onExcessProperty: "error" } } as const
const NodePath = Schema.Struct({ name: NodeName })
const EnvPath = Schema.Struct({ env: EnvName })

/** Runner → host: registration, heartbeats and status reports. @category groups */
export class RunnersGroup extends HttpApiGroup.make("runners")
  .add(HttpApiEndpoint.post("register", "/nodes/register").setPayload(NodeInfo).addSuccess(RegisterResponse))
  .add(
    HttpApiEndpoint.post("heartbeat", "/nodes/:name/heartbeat")
      .setPath(NodePath)
      .setPayload(Heartbeat)
      .addSuccess(HeartbeatAck)
      .addError(UnknownNode)
  )
  .add(
    HttpApiEndpoint.post("reportStatus", "/tasks/:id/status")
      .setPath(TaskPath)
      .setPayload(StatusUpdate)
      .addSuccess(Task)
      .addError(NotFound)
      .addError(Conflict)
  )
  .add(
    HttpApiEndpoint.post("reportStatuses", "/tasks/status")
      .setPayload(StatusReports)
      .addSuccess(Schema.Array(StatusReportOutcome))
  )
  .middleware(Authorization) {}

/** Client → host: tasks. @category groups */
export class TasksGroup extends HttpApiGroup.make("tasks")
  .add(
    HttpApiEndpoint.post("submit", "/tasks")
      .setPayload(TaskSpec.annotations(strict))
      .addSuccess(SubmitResponse)
      .addError(BadRequest)
  )
  .add(
    HttpApiEndpoint.post("submitAndWait", "/tasks/submit-and-wait")
      .setPayload(TaskSpec.annotations(strict))
      .setUrlParams(SubmitAndWaitQuery)
      .addSuccess(SubmitAndWaitResponse)
      .addError(BadRequest)
  )
  .add(
    HttpApiEndpoint.post("submitBatch", "/tasks/batch")
      .setPayload(BatchSubmitRequest.annotations(strict))
      .addSuccess(SubmitResponse)
      .addError(BadRequest)
  )
  .add(
    HttpApiEndpoint.get("list", "/tasks")
      .setUrlParams(TaskQuery)
      .addSuccess(Schema.Array(Task))
      .addError(BadRequest)
  )
  .add(
    HttpApiEndpoint.post("wait", "/tasks/wait")
      .setPayload(WaitRequest.annotations(strict))
      .addSuccess(Schema.Array(Task))
      .addError(NotFound)
  )
  .add(HttpApiEndpoint.get("get", "/tasks/:id").setPath(TaskPath).addSuccess(Task).addError(NotFound))
  .add(
    HttpApiEndpoint.post("kill", "/tasks/:id/kill")
      .setPath(TaskPath)
      .addSuccess(Task)
      .addError(NotFound)
      .addError(Conflict)
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.post("pause", "/tasks/:id/pause")
      .setPath(TaskPath)
      .addSuccess(Task)
      .addError(NotFound)
      .addError(Conflict)
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.post("resume", "/tasks/:id/resume")
      .setPath(TaskPath)
      .addSuccess(Task)
      .addError(NotFound)
      .addError(Conflict)
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.get("logs", "/tasks/:id/logs")
      .setPath(TaskPath)
      .setUrlParams(LogQuery)
      .addSuccess(LogChunk)
      .addError(NotFound)
  )
  .middleware(Authorization) {}

/** Client → host: the cluster. @category groups */
export class ClusterGroup extends HttpApiGroup.make("cluster")
  .add(HttpApiEndpoint.get("nodes", "/nodes").addSuccess(Schema.Array(NodeView)))
  .add(
    HttpApiEndpoint.get("health", "/health")
      .setUrlParams(Schema.Struct({ node: Schema.optional(NodeName) }))
      .addSuccess(HealthReport)
      .addError(NotFound)
  )
  .add(HttpApiEndpoint.get("ping", "/ping").addSuccess(Ping))
  .middleware(Authorization) {}

/** Client → host: Docker environments on the host. @category groups */
export class DockerGroup extends HttpApiGroup.make("docker")
  .add(
    HttpApiEndpoint.get("listContainers", "/docker/containers")
      .addSuccess(Schema.Array(EnvContainer))
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.post("createContainer", "/docker/containers")
      .setPayload(CreateContainerRequest.annotations(strict))
      .addSuccess(EnvContainer)
      .addError(BadRequest)
      .addError(Conflict)
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.post("startContainer", "/docker/containers/:env/start")
      .setPath(EnvPath)
      .addSuccess(EnvContainer)
      .addError(NotFound)
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.post("stopContainer", "/docker/containers/:env/stop")
      .setPath(EnvPath)
      .addSuccess(EnvContainer)
      .addError(NotFound)
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.del("deleteContainer", "/docker/containers/:env")
      .setPath(EnvPath)
      .addError(NotFound)
      .addError(Unavailable)
  )
  .add(HttpApiEndpoint.get("listTars", "/docker/tars").addSuccess(Schema.Array(TarballInfo)))
  .add(
    HttpApiEndpoint.post("createTar", "/docker/tars/:env")
      .setPath(EnvPath)
      .addSuccess(TarballInfo)
      .addError(NotFound)
      .addError(Conflict)
      .addError(Unavailable)
  )
  .add(
    HttpApiEndpoint.get("tarProgress", "/docker/tars/:env/progress").setPath(EnvPath).addSuccess(TarProgress)
  )
  .middleware(Authorization) {}

/**
 * The host API: every group behind the optional bearer token. The token is required per group
 * (not on the whole server), so routes beside the API — the dashboard page and its assets —
 * stay reachable without it; those routes check the token themselves where they need it.
 * @category api
 */
export class HostApi extends HttpApi.make("HostApi")
  .add(RunnersGroup)
  .add(TasksGroup)
  .add(ClusterGroup)
  .add(DockerGroup) {}
