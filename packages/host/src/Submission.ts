/**
 * Submission: a `TaskSpec` checked against the cluster and the host's policy, turned into one
 * pending task per target under one batch id. Targets are validated one by one; the answer says
 * which failed and why, and a submission where every target fails is refused as a whole.
 *
 * @since 0.1.0
 */
import {
  BadRequest,
  type ContainerChoice,
  FailedTarget,
  formatTarget,
  parseEnvName,
  SubmitResponse,
  type Target,
  type TaskSpec
} from "@hakuriver/sdk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { HostConfig, isoOf, logPaths } from "./HostConfig.js"
import { capacityOf } from "./Placer.js"
import { type NodeCapacity, type Request, rejectionMessage, validate } from "./Scheduler.js"
import * as MountPolicy from "./security/MountPolicy.js"
import { Store, type TaskDraft } from "./Store.js"

/**
 * The submission service.
 * @category services
 */
export class Submission extends Context.Tag("@hakuriver/host/Submission")<
  Submission,
  {
    readonly submit: (spec: TaskSpec) => Effect.Effect<SubmitResponse, BadRequest>
    /** Several specs as one batch (a sweep): one batch id; refused targets named `[i] target`. */
    readonly submitMany: (specs: ReadonlyArray<TaskSpec>) => Effect.Effect<SubmitResponse, BadRequest>
  }
>() {}

const make = Effect.gen(function* () {
  const store = yield* Store
  const config = yield* HostConfig

  /** Container, privilege and mounts after defaults and the security policy. */
  const common = (spec: TaskSpec): Either.Either<Omit<TaskDraft, "gpus" | "numaNode" | "target">, string> => {
    let container: ContainerChoice
    if (spec.container !== undefined) container = spec.container
    else {
      const parsed = parseEnvName(config.docker.default_container_name)
      if (Either.isLeft(parsed))
        return Either.left(`the host's default container is invalid: ${parsed.left.message}`)
      container = parsed.right
    }
    const privileged = spec.privileged ?? config.docker.tasks_privileged
    const refused = MountPolicy.refusal(config, { privileged, clientMounts: spec.mounts })
    if (Option.isSome(refused)) return Either.left(refused.value)
    const mounts = spec.mounts ?? config.docker.additional_mounts
    return Either.right({
      command: spec.command,
      env: spec.env,
      cores: spec.cores,
      memoryBytes: spec.memoryBytes ?? null,
      container,
      privileged,
      mounts
    })
  }

  /** The drafts of one spec, and its refused targets (labelled with `label`). */
  const draftsOf = (
    spec: TaskSpec,
    nodes: ReadonlyArray<NodeCapacity>,
    label: (target: string) => string
  ) => {
    const base = common(spec)
    if (Either.isLeft(base)) return Either.left(base.left)
    const requestFor = (t: Target | null): Request => ({
      node: t?.node ?? null,
      numa: t?.numa ?? null,
      gpus: t?.gpus ?? [],
      cores: base.right.cores,
      memoryBytes: base.right.memoryBytes,
      container: base.right.container
    })
    const targets: ReadonlyArray<Target | null> = spec.targets.length === 0 ? [null] : spec.targets
    const drafts: Array<TaskDraft> = []
    const failed: Array<FailedTarget> = []
    for (const t of targets) {
      const checked = validate(requestFor(t), nodes)
      if (Either.isLeft(checked)) {
        failed.push(
          new FailedTarget({
            target: label(t === null ? "(any node)" : formatTarget(t)),
            reason: rejectionMessage(checked.left)
          })
        )
        continue
      }
      drafts.push({
        ...base.right,
        gpus: t?.gpus ?? [],
        numaNode: t?.numa ?? null,
        target: t === null ? null : formatTarget(t)
      })
    }
    return Either.right({ drafts, failed })
  }

  const submitMany = Effect.fn("Submission.submitMany")(function* (specs: ReadonlyArray<TaskSpec>) {
    const nodes = (yield* store.listNodes).map(capacityOf)
    const drafts: Array<TaskDraft> = []
    const failed: Array<FailedTarget> = []
    for (const [i, spec] of specs.entries()) {
      const label = specs.length === 1 ? (t: string) => t : (t: string) => `[${i}] ${t}`
      const one = draftsOf(spec, nodes, label)
      if (Either.isLeft(one)) {
        return yield* Effect.fail(new BadRequest({ message: label(one.left) }))
      }
      drafts.push(...one.right.drafts)
      failed.push(...one.right.failed)
    }
    if (drafts.length === 0) {
      return yield* Effect.fail(
        new BadRequest({
          message: failed.map((f) => (failed.length === 1 ? f.reason : `${f.target}: ${f.reason}`)).join("; ")
        })
      )
    }
    const ms = yield* Clock.currentTimeMillis
    const { batchId, tasks } = yield* store.submit(drafts, (id) => logPaths(config, id), isoOf(ms), ms)
    // built from values the store just wrote: not validated again
    return new SubmitResponse({ batchId, taskIds: tasks.map((t) => t.taskId), failedTargets: failed }, true)
  })

  const submit = (spec: TaskSpec) => submitMany([spec])

  return Submission.of({ submit, submitMany })
})

/** @category layers */
export const layer: Layer.Layer<Submission, never, Store | HostConfig> = Layer.effect(Submission, make)
