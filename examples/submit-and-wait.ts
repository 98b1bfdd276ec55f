/**
 * Submit one task, wait for it, print its output; then submit one and wait in a single call.
 *
 *   HAKURIVER_URL=http://127.0.0.1:8000 npx tsx examples/submit-and-wait.ts
 *
 * The top-level calls find the host through HAKURIVER_URL / HAKURIVER_TOKEN, else the config.
 */
import { logs, submit, submitAndWait, wait } from "@hakuriver/sdk"

const { taskIds, batchId } = await submit({
  command: ["sh", "-c", 'echo "hello from $(hostname), GREETING=$GREETING"'],
  env: { GREETING: "hi" },
  cores: 1,
  memory: "256M"
})
console.log(`submitted task ${taskIds[0]} (batch ${batchId})`)

const [task] = await wait(taskIds, { onUpdate: (tasks) => console.log(`status: ${tasks[0]?.status}`) })
console.log(`finished: ${task?.status}, exit code ${task?.exitCode}, on ${task?.node}`)
console.log(`output: ${(await logs(taskIds[0] ?? "")).trimEnd()}`)

// The same in one call: the host answers the submit when the task has ended (for a task longer
// than one long-poll, `submitAndWait` goes on waiting). The ids come with the end, not before.
const quick = await submitAndWait({ command: ["sh", "-c", "exit 3"] })
console.log(
  `in one call: task ${quick.taskIds[0]} ${quick.tasks[0]?.status}, exit code ${quick.tasks[0]?.exitCode}`
)

process.exitCode = task?.status === "completed" && quick.tasks[0]?.exitCode === 3 ? 0 : 1
