/**
 * Top-level calls on the default connection: `HAKURIVER_URL` / `HAKURIVER_TOKEN`, else the
 * configuration (`$HAKURIVER_CONFIG` or `~/.hakuriver/config.toml`). The environment is read at
 * each call, so a script may set it late.
 *
 * @since 0.1.0
 */
import {
  connect,
  type DockerCalls,
  type LogsOptions,
  type PromiseClient,
  type WaitOptions
} from "./PromiseClient.js"
import type { SubmitRequest } from "./SubmitRequest.js"
import type { TaskFilter } from "./HakuRiverClient.js"

const client = (): PromiseClient => connect()

/**
 * Submits a task (one per target) to the default cluster.
 * @category calls
 * @example
 * const { taskIds, batchId, failedTargets } = await submit({ command: ["echo", "hi"], memory: "512M" })
 */
export const submit = (request: SubmitRequest) => client().submit(request)

/**
 * Submits several requests to the default cluster as ONE batch (e.g. a sweep expanded with
 * `Sweep.expandSync`): one batch id for all their tasks.
 * @category calls
 * @example
 * const runs = Sweep.expandSync(["python", "train.py", "--lr", "span:[0.1,0.01]"])
 * const { batchId, taskIds } = await submitBatch(runs.map((command) => ({ command })))
 */
export const submitBatch = (requests: ReadonlyArray<SubmitRequest>) => client().submitBatch(requests)

/**
 * Submits a task (one per target) to the default cluster and waits until every one is final; a
 * task that ends within a long-poll costs one request. Resolves with the submission and its final
 * tasks.
 * @category calls
 * @example
 * const { tasks, failedTargets } = await submitAndWait({ command: ["hostname"], targets: ["node1", "node2"] })
 */
export const submitAndWait = (request: SubmitRequest, options?: WaitOptions) =>
  client().submitAndWait(request, options)

/**
 * One task of the default cluster.
 * @category calls
 */
export const status = (id: string) => client().status(id)

/**
 * Waits until every task is final; resolves with the final tasks in the given order.
 * @category calls
 * @example
 * const tasks = await wait(taskIds, { onUpdate: (ts) => console.log(ts.map((t) => t.status)) })
 */
export const wait = (ids: string | ReadonlyArray<string>, options?: WaitOptions) =>
  client().wait(ids, options)

/**
 * Kills a task.
 * @category calls
 */
export const kill = (id: string) => client().kill(id)

/**
 * Pauses a running task.
 * @category calls
 */
export const pause = (id: string) => client().pause(id)

/**
 * Resumes a paused task.
 * @category calls
 */
export const resume = (id: string) => client().resume(id)

/**
 * A task's log: its text, or with `follow: true` an async iterable of chunks until the task ends.
 * @category calls
 * @example
 * console.log(await logs(id))
 * for await (const chunk of logs(id, { follow: true })) process.stdout.write(chunk)
 */
export function logs(id: string, options: LogsOptions & { readonly follow: true }): AsyncIterable<string>
export function logs(
  id: string,
  options?: LogsOptions & { readonly follow?: false | undefined }
): Promise<string>
export function logs(id: string, options: LogsOptions = {}): AsyncIterable<string> | Promise<string> {
  return options.follow === true
    ? client().logs(id, { ...options, follow: true })
    : client().logs(id, { ...options, follow: false })
}

/**
 * Tasks of the default cluster, filtered by status, node or batch.
 * @category calls
 */
export const tasks = (filter?: TaskFilter) => client().tasks(filter)

/**
 * The nodes of the default cluster.
 * @category calls
 */
export const nodes = () => client().nodes()

/**
 * Health of every node and the totals, or of one node.
 * @category calls
 */
export const health = (node?: string) => client().health(node)

/**
 * Whether the default host answers, and its version.
 * @category calls
 */
export const ping = () => client().ping()

/**
 * Docker environments on the default cluster's host.
 * @category calls
 * @example
 * await docker.createContainer("python:3.12-slim", "torch")
 * await docker.createTar("torch", { onProgress: (p) => console.error(p.bytesWritten) })
 */
export const docker: DockerCalls = {
  listContainers: () => client().docker.listContainers(),
  createContainer: (image, env) => client().docker.createContainer(image, env),
  startContainer: (env) => client().docker.startContainer(env),
  stopContainer: (env) => client().docker.stopContainer(env),
  deleteContainer: (env) => client().docker.deleteContainer(env),
  listTars: () => client().docker.listTars(),
  createTar: (env, options) => client().docker.createTar(env, options)
}
