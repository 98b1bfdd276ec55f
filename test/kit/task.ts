/** Test tasks: `makeTask(command, extra)` decodes a `Task` with the defaults the tests share and a unique id. */
import { Task } from "@hakuriver/sdk"
import { Schema } from "effect"

let counter = 0

/** Decimal digits unique in this process and, by the clock and a random part, across test processes. */
export const uniqueDigits = (): string =>
  `${Date.now()}${Math.floor(Math.random() * 1000)
    .toString()
    .padStart(3, "0")}${(counter++ % 1000).toString().padStart(3, "0")}`

/** Where the task's logs go: with `sharedDir`, `stdoutPath`/`stderrPath` are under its `task_outputs`. */
export interface MakeTaskOptions {
  readonly sharedDir?: string
}

/**
 * A task in state `assigning` on node `n1` with no container, running `command`; `extra` overrides
 * any field (an `extra.taskId` also names the log files).
 */
export const makeTask = (
  command: ReadonlyArray<string>,
  extra: Partial<Record<string, unknown>> = {},
  options: MakeTaskOptions = {}
): Task => {
  const taskId = String(extra.taskId ?? uniqueDigits())
  const logs =
    options.sharedDir === undefined
      ? { stdoutPath: "", stderrPath: "" }
      : {
          stdoutPath: `${options.sharedDir}/task_outputs/${taskId}.out`,
          stderrPath: `${options.sharedDir}/task_outputs/${taskId}.err`
        }
  return Schema.decodeUnknownSync(Task)({
    taskId,
    batchId: "1",
    status: "assigning",
    command,
    env: {},
    cores: 1,
    memoryBytes: null,
    gpus: [],
    numaNode: null,
    target: null,
    node: "n1",
    container: "NULL",
    privileged: false,
    mounts: [],
    exitCode: null,
    error: null,
    submittedAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    ...logs,
    ...extra
  })
}
