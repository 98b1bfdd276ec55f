/**
 * Placement: a pure function from the nodes' capacity, what they have handed out, and a request
 * to a node or a typed reason. No I/O; the placement loop feeds it and applies its answer.
 *
 * @since 0.1.0
 */
import type { ContainerChoice, NodeName, NumaNode, TaskId, TaskStatus } from "@hakuriver/sdk"
import { activeStatuses, formatMemory } from "@hakuriver/sdk"
import * as Data from "effect/Data"
import * as Either from "effect/Either"

/** A placement policy for tasks without a target. @category models */
export type Policy = "first-fit" | "least-loaded" | "round-robin"

/** What a node offers. GPU ids are whatever the node reports. @category models */
export interface NodeCapacity {
  readonly name: NodeName
  readonly online: boolean
  readonly cores: number
  readonly memoryBytes: number
  readonly numa: ReadonlyArray<NumaNode>
  readonly gpus: ReadonlyArray<number>
}

/** What a NUMA node has handed out. @category models */
export interface NumaAllocation {
  readonly cores: number
  readonly memoryBytes: number
}

/** What a node has handed out to its assigning, running and paused tasks. @category models */
export interface NodeAllocation {
  readonly cores: number
  readonly memoryBytes: number
  readonly gpus: ReadonlyArray<number>
  readonly numa: ReadonlyMap<number, NumaAllocation>
  readonly tasks: number
}

/**
 * What placement reads of a task: where it is, what it asks for. A `Task` is one; the placement
 * loop reads only these columns (decoding whole tasks per round cost most of the host's CPU).
 * @category models
 */
export interface TaskClaim {
  readonly taskId: TaskId
  readonly status: TaskStatus
  readonly node: NodeName | null
  readonly target: string | null
  readonly cores: number
  readonly memoryBytes: number | null
  readonly gpus: ReadonlyArray<number>
  readonly numaNode: number | null
  readonly container: ContainerChoice
}

/** A resource request. `node` null = the policy picks. @category models */
export interface Request {
  readonly node: NodeName | null
  readonly numa: number | null
  readonly gpus: ReadonlyArray<number>
  readonly cores: number
  readonly memoryBytes: number | null
  /** `NULL` = the systemd fallback, which cannot hand out GPUs. */
  readonly container: string
}

/**
 * Why a request can never be served: the submission is refused (HTTP 400).
 * @category models
 */
export type Rejection = Data.TaggedEnum<{
  UnknownNode: { readonly node: string }
  NodeOffline: { readonly node: string }
  NumaNotOnNode: { readonly node: string; readonly numa: number; readonly available: ReadonlyArray<number> }
  GpuNotOnNode: {
    readonly node: string
    readonly gpus: ReadonlyArray<number>
    readonly available: ReadonlyArray<number>
  }
  GpuNeedsContainer: {}
  TooLarge: {
    readonly node: string
    readonly resource: "cores" | "memory"
    readonly requested: number
    readonly capacity: number
  }
  NoNodeLargeEnough: { readonly cores: number; readonly memoryBytes: number | null }
}>
/** @category constructors */
export const Rejection = Data.taggedEnum<Rejection>()

/**
 * Why a valid request does not fit right now: the task waits in the queue.
 * @category models
 */
export type Blocked = Data.TaggedEnum<{
  NodeOffline: { readonly node: string }
  NotEnoughCores: { readonly node: string; readonly requested: number; readonly free: number }
  NotEnoughMemory: { readonly node: string; readonly requested: number; readonly free: number }
  GpuBusy: { readonly node: string; readonly gpus: ReadonlyArray<number> }
  NoNodeOnline: {}
  NoNodeFree: {}
}>
/** @category constructors */
export const Blocked = Data.taggedEnum<Blocked>()

const ids = (xs: ReadonlyArray<number>) => xs.join(",")
const mem = (n: number) => formatMemory(n)

/** A sentence for a rejection. @category formatting */
export const rejectionMessage: (r: Rejection) => string = Rejection.$match({
  UnknownNode: ({ node }) => `unknown node "${node}"`,
  NodeOffline: ({ node }) => `node "${node}" is offline`,
  NumaNotOnNode: ({ node, numa, available }) =>
    `NUMA node ${numa} is not on node "${node}" (it has ${available.length === 0 ? "no NUMA nodes" : ids(available)})`,
  GpuNotOnNode: ({ node, gpus, available }) =>
    `GPU ${ids(gpus)} is not on node "${node}" (it has ${available.length === 0 ? "no GPUs" : `GPUs ${ids(available)}`})`,
  GpuNeedsContainer: () =>
    "GPU tasks need a Docker container; --container NULL (systemd) cannot hand out GPUs",
  TooLarge: ({ node, resource, requested, capacity }) =>
    resource === "cores"
      ? `${requested} cores requested but node "${node}" has only ${capacity}`
      : `${mem(requested)} memory requested but node "${node}" has only ${mem(capacity)}`,
  NoNodeLargeEnough: ({ cores, memoryBytes }) =>
    `no node could ever give ${cores} cores${memoryBytes === null ? "" : ` and ${mem(memoryBytes)} memory`}`
})

/** A sentence for a blocked request. @category formatting */
export const blockedMessage: (b: Blocked) => string = Blocked.$match({
  NodeOffline: ({ node }) => `node "${node}" is offline`,
  NotEnoughCores: ({ node, requested, free }) => `node "${node}" has ${free} of ${requested} cores free`,
  NotEnoughMemory: ({ node, requested, free }) =>
    `node "${node}" has ${mem(free)} of ${mem(requested)} memory free`,
  GpuBusy: ({ node, gpus }) => `GPU ${ids(gpus)} on node "${node}" is busy`,
  NoNodeOnline: () => "no node is online",
  NoNodeFree: () => "no node has the resources free"
})

/** An allocation with nothing handed out. @category constructors */
export const emptyAllocation: NodeAllocation = {
  cores: 0,
  memoryBytes: 0,
  gpus: [],
  numa: new Map(),
  tasks: 0
}

// Cores are compared in hundredths so that 0.1 + 0.2 never over-allocates.
const hundredths = (n: number) => Math.round(n * 100)

const numaCapacity = (node: NodeCapacity, id: number) => node.numa.find((n) => n.id === id)

/**
 * Checks what can be known at submit time: the node exists and is online, the NUMA node and GPU
 * ids are on it, GPUs come with a container, and the node could ever give what is asked.
 * Without a target, some known node must be able to give it (with no node known yet, the task
 * waits for one).
 * @category validation
 */
export const validate = (
  request: Request,
  nodes: ReadonlyArray<NodeCapacity>
): Either.Either<void, Rejection> => {
  if (request.gpus.length > 0 && request.container === "NULL")
    return Either.left(Rejection.GpuNeedsContainer())
  if (request.node === null) {
    if (nodes.length === 0 || nodes.some((n) => Either.isRight(neverTooLarge(request, n)))) return Either.void
    return Either.left(
      Rejection.NoNodeLargeEnough({ cores: request.cores, memoryBytes: request.memoryBytes })
    )
  }
  const node = nodes.find((n) => n.name === request.node)
  if (node === undefined) return Either.left(Rejection.UnknownNode({ node: request.node }))
  if (!node.online) return Either.left(Rejection.NodeOffline({ node: node.name }))
  if (request.numa !== null && numaCapacity(node, request.numa) === undefined) {
    return Either.left(
      Rejection.NumaNotOnNode({ node: node.name, numa: request.numa, available: node.numa.map((n) => n.id) })
    )
  }
  const missing = request.gpus.filter((g) => !node.gpus.includes(g))
  if (missing.length > 0) {
    return Either.left(Rejection.GpuNotOnNode({ node: node.name, gpus: missing, available: node.gpus }))
  }
  return neverTooLarge(request, node)
}

/** Whether the request fits the node when it is idle (NUMA-aware). */
const neverTooLarge = (request: Request, node: NodeCapacity): Either.Either<void, Rejection> => {
  const numa = request.numa === null ? undefined : numaCapacity(node, request.numa)
  const cores = numa === undefined ? node.cores : Math.min(node.cores, numa.cpus.length)
  if (hundredths(request.cores) > hundredths(cores)) {
    return Either.left(
      Rejection.TooLarge({ node: node.name, resource: "cores", requested: request.cores, capacity: cores })
    )
  }
  const memory =
    numa === undefined || numa.memoryBytes === 0
      ? node.memoryBytes
      : Math.min(node.memoryBytes, numa.memoryBytes)
  if (request.memoryBytes !== null && request.memoryBytes > memory) {
    return Either.left(
      Rejection.TooLarge({
        node: node.name,
        resource: "memory",
        requested: request.memoryBytes,
        capacity: memory
      })
    )
  }
  return Either.void
}

/**
 * Whether the request fits the node now, given what it has handed out.
 * @category placement
 */
export const fits = (
  request: Request,
  node: NodeCapacity,
  alloc: NodeAllocation
): Either.Either<void, Blocked> => {
  if (!node.online) return Either.left(Blocked.NodeOffline({ node: node.name }))
  const freeCores = (hundredths(node.cores) - hundredths(alloc.cores)) / 100
  if (hundredths(request.cores) > hundredths(freeCores)) {
    return Either.left(Blocked.NotEnoughCores({ node: node.name, requested: request.cores, free: freeCores }))
  }
  const freeMemory = node.memoryBytes - alloc.memoryBytes
  if (request.memoryBytes !== null && request.memoryBytes > freeMemory) {
    return Either.left(
      Blocked.NotEnoughMemory({ node: node.name, requested: request.memoryBytes, free: freeMemory })
    )
  }
  if (request.numa !== null) {
    const numa = numaCapacity(node, request.numa)
    const used = alloc.numa.get(request.numa) ?? { cores: 0, memoryBytes: 0 }
    if (numa !== undefined) {
      const numaFree = (hundredths(numa.cpus.length) - hundredths(used.cores)) / 100
      if (hundredths(request.cores) > hundredths(numaFree)) {
        return Either.left(
          Blocked.NotEnoughCores({ node: node.name, requested: request.cores, free: numaFree })
        )
      }
      const numaFreeMemory = numa.memoryBytes - used.memoryBytes
      if (request.memoryBytes !== null && numa.memoryBytes > 0 && request.memoryBytes > numaFreeMemory) {
        return Either.left(
          Blocked.NotEnoughMemory({ node: node.name, requested: request.memoryBytes, free: numaFreeMemory })
        )
      }
    }
  }
  const busy = request.gpus.filter((g) => alloc.gpus.includes(g))
  if (busy.length > 0) return Either.left(Blocked.GpuBusy({ node: node.name, gpus: busy }))
  return Either.void
}

/** Cores handed out as a fraction of the node's cores. */
const load = (node: NodeCapacity, alloc: NodeAllocation) => (node.cores === 0 ? 1 : alloc.cores / node.cores)

/**
 * Places a request: on its target if it fits now, else (untargeted) on a node chosen by the
 * policy among those where it fits. `lastNode` is the round-robin cursor (the node chosen last).
 * @category placement
 */
export const place = (
  request: Request,
  nodes: ReadonlyArray<NodeCapacity>,
  allocations: ReadonlyMap<string, NodeAllocation>,
  policy: Policy,
  lastNode: string | null = null
): Either.Either<NodeName, Blocked> => {
  const allocOf = (n: NodeCapacity) => allocations.get(n.name) ?? emptyAllocation
  if (request.node !== null) {
    const node = nodes.find((n) => n.name === request.node)
    if (node === undefined) return Either.left(Blocked.NodeOffline({ node: request.node }))
    return Either.map(fits(request, node, allocOf(node)), () => node.name)
  }
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  if (!sorted.some((n) => n.online)) return Either.left(Blocked.NoNodeOnline())
  const candidates = sorted.filter((n) => Either.isRight(fits(request, n, allocOf(n))))
  const first = candidates[0]
  if (first === undefined) return Either.left(Blocked.NoNodeFree())
  switch (policy) {
    case "first-fit":
      return Either.right(first.name)
    case "least-loaded": {
      let best = first
      for (const n of candidates) if (load(n, allocOf(n)) < load(best, allocOf(best))) best = n
      return Either.right(best.name)
    }
    case "round-robin": {
      const next = lastNode === null ? undefined : candidates.find((n) => n.name > lastNode)
      return Either.right((next ?? first).name)
    }
  }
}

/**
 * Adds a request placed on `node` to its allocation.
 * @category placement
 */
export const allocate = (alloc: NodeAllocation, request: Request): NodeAllocation => {
  const numa = new Map(alloc.numa)
  if (request.numa !== null) {
    const used = numa.get(request.numa) ?? { cores: 0, memoryBytes: 0 }
    numa.set(request.numa, {
      cores: (hundredths(used.cores) + hundredths(request.cores)) / 100,
      memoryBytes: used.memoryBytes + (request.memoryBytes ?? 0)
    })
  }
  return {
    cores: (hundredths(alloc.cores) + hundredths(request.cores)) / 100,
    memoryBytes: alloc.memoryBytes + (request.memoryBytes ?? 0),
    gpus: [...alloc.gpus, ...request.gpus],
    numa,
    tasks: alloc.tasks + 1
  }
}

/**
 * The request of a task (its target node when it has one; placed tasks keep their node).
 * @category placement
 */
export const requestOf = (task: TaskClaim, targetNode: NodeName | null): Request => ({
  node: task.node ?? targetNode,
  numa: task.numaNode,
  gpus: task.gpus,
  cores: task.cores,
  memoryBytes: task.memoryBytes,
  container: task.container
})

/**
 * What each node has handed out, from the tasks that hold resources (assigning, running, paused).
 * @category placement
 */
export const allocationsOf = (tasks: ReadonlyArray<TaskClaim>): Map<string, NodeAllocation> => {
  const out = new Map<string, NodeAllocation>()
  for (const task of tasks) {
    if (task.node === null || !activeStatuses.includes(task.status)) continue
    out.set(task.node, allocate(out.get(task.node) ?? emptyAllocation, requestOf(task, task.node)))
  }
  return out
}
