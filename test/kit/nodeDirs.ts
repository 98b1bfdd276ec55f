/** A test node's dirs: `nodeDirs(root)` makes `shared` and `temp` under `root` and builds exec requests for them. */
import * as fs from "node:fs"
import * as path from "node:path"
import type { Task } from "@hakuriver/sdk"
import type { ExecRequest } from "@hakuriver/sdk/executor"

/** The shared and temp dirs of a test node (made under `root`), and a request builder. */
export const nodeDirs = (root: string) => {
  const shared = path.join(root, "shared")
  const temp = path.join(root, "temp")
  fs.mkdirSync(shared, { recursive: true })
  fs.mkdirSync(temp, { recursive: true })
  const request = (task: Task): ExecRequest => ({
    task,
    logs: {
      stdout: path.join(shared, "task_outputs", `${task.taskId}.out`),
      stderr: path.join(shared, "task_outputs", `${task.taskId}.err`)
    },
    sharedDir: shared,
    localTempDir: temp
  })
  return { shared, temp, tarballs: path.join(shared, "hakuriver-containers"), request }
}
