/**
 * The runner's HTTP contract: the host sends tasks and kill/pause/resume through it.
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as Schema from "effect/Schema"
import { NodeInfo, Task, TaskId } from "../domain/index.js"
import { BadRequest, Conflict, NotFound, Unavailable } from "./errors.js"
import { Ping, RunAccepted, Withdrawal, WithdrawOutcome } from "./models.js"
import { Authorization } from "./security.js"

const TaskPath = Schema.Struct({ id: TaskId })

/** @category groups */
export class RunnerTasksGroup extends HttpApiGroup.make("tasks")
  .add(
    HttpApiEndpoint.post("run", "/tasks")
      .setPayload(Task)
      .addSuccess(RunAccepted)
      .addError(BadRequest)
      .addError(Conflict)
      .addError(Unavailable)
  )
  .add(HttpApiEndpoint.post("kill", "/tasks/:id/kill").setPath(TaskPath).addError(NotFound))
  .add(
    HttpApiEndpoint.post("pause", "/tasks/:id/pause").setPath(TaskPath).addError(NotFound).addError(Conflict)
  )
  .add(
    HttpApiEndpoint.post("resume", "/tasks/:id/resume")
      .setPath(TaskPath)
      .addError(NotFound)
      .addError(Conflict)
  )
  .add(HttpApiEndpoint.get("running", "/tasks").addSuccess(Schema.Array(TaskId)))
  .add(
    HttpApiEndpoint.post("withdraw", "/tasks/:id/withdraw")
      .setPath(TaskPath)
      .setPayload(Withdrawal)
      .addSuccess(WithdrawOutcome)
  ) {}

/** @category groups */
export class RunnerInfoGroup extends HttpApiGroup.make("info")
  .add(HttpApiEndpoint.get("info", "/info").addSuccess(NodeInfo))
  .add(HttpApiEndpoint.get("ping", "/ping").addSuccess(Ping)) {}

/**
 * The runner API, behind the same optional bearer token as the host.
 * @category api
 */
export class RunnerApi extends HttpApi.make("RunnerApi")
  .add(RunnerTasksGroup)
  .add(RunnerInfoGroup)
  .middleware(Authorization) {}
