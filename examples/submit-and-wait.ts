/**
 * Submit one task, wait for it, print its output.
 *
 *   HAKURIVER_URL=http://127.0.0.1:8000 npx tsx examples/submit-and-wait.ts
 *
 * The top-level calls find the host through HAKURIVER_URL / HAKURIVER_TOKEN, else the config.
 */
import { logs, submit, wait } from "@hakuriver/sdk"

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
process.exitCode = task?.status === "completed" ? 0 : 1
