/** Store-level test data: a task draft with the defaults the tests share, and its log paths. */
import type { TaskId } from "@hakuriver/sdk"
import type * as Store from "../../src/Store.js"

/** `true`, one core, no container. */
export const draft: Store.TaskDraft = {
  command: ["true"],
  env: {},
  cores: 1,
  memoryBytes: null,
  gpus: [],
  numaNode: null,
  target: null,
  container: "NULL",
  privileged: false,
  mounts: []
}

/** Log paths under `dir` (default `/s`). */
export const logsOf =
  (dir = "/s") =>
  (id: TaskId) => ({ stdout: `${dir}/${id}.out`, stderr: `${dir}/${id}.err` })
