/**
 * The `tasks` group of HostApi: submit (and submit-and-wait), list, get, wait, kill/pause/resume
 * and logs.
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import {
  BadRequest,
  defaultHoldMs,
  HostApi,
  NotFound,
  SubmitAndWaitResponse,
  TaskStatus
} from "@hakuriver/sdk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Dispatcher } from "../Dispatcher.js"
import { Logs } from "../Logs.js"
import { Store } from "../Store.js"
import { Submission } from "../Submission.js"
import { Waiter } from "../Waiter.js"

const isStatus = Schema.is(TaskStatus)

/** Parses `running,pending` into statuses. */
const parseStatuses = (input: string) => {
  const items = input
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  const bad = items.filter((s) => !isStatus(s))
  return bad.length > 0
    ? Effect.fail(
        new BadRequest({
          message: `unknown status ${bad.join(", ")}; expected one of ${TaskStatus.literals.join(", ")}`
        })
      )
    : Effect.succeed(items.filter(isStatus))
}

/** @category layers */
export const TasksHttpLive = HttpApiBuilder.group(HostApi, "tasks", (handlers) =>
  Effect.gen(function* () {
    const store = yield* Store
    const submission = yield* Submission
    const dispatcher = yield* Dispatcher
    const waiter = yield* Waiter
    const logs = yield* Logs
    return handlers
      .handle("submit", ({ payload }) => submission.submit(payload))
      .handle("submitAndWait", ({ payload, urlParams }) =>
        Effect.gen(function* () {
          const submitted = yield* submission.submit(payload)
          // the tasks exist: they were just submitted
          const tasks = yield* Effect.orDie(
            waiter.untilFinal(submitted.taskIds, urlParams.waitMs ?? defaultHoldMs)
          )
          return new SubmitAndWaitResponse({ ...submitted, tasks }, true)
        })
      )
      .handle("submitBatch", ({ payload }) => submission.submitMany(payload.tasks))
      .handle("list", ({ urlParams }) =>
        Effect.gen(function* () {
          const statuses = urlParams.status === undefined ? undefined : yield* parseStatuses(urlParams.status)
          return yield* store.listTasks({
            ...(statuses === undefined ? {} : { statuses }),
            ...(urlParams.node === undefined ? {} : { node: urlParams.node }),
            ...(urlParams.batch === undefined ? {} : { batch: urlParams.batch }),
            ...(urlParams.limit === undefined ? {} : { limit: urlParams.limit }),
            ...(urlParams.offset === undefined ? {} : { offset: urlParams.offset })
          })
        })
      )
      .handle("wait", ({ payload }) => waiter.wait(payload))
      .handle("get", ({ path }) =>
        Effect.flatMap(store.getTask(path.id), (task) =>
          Option.isNone(task)
            ? Effect.fail(new NotFound({ message: `task ${path.id} not found` }))
            : Effect.succeed(task.value)
        )
      )
      .handle("kill", ({ path }) => dispatcher.kill(path.id))
      .handle("pause", ({ path }) => dispatcher.pause(path.id))
      .handle("resume", ({ path }) => dispatcher.resume(path.id))
      .handle("logs", ({ path, urlParams }) => logs.read(path.id, urlParams))
  })
)
