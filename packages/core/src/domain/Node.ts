/**
 * What a runner reports about its machine: cores, memory, NUMA topology and GPUs.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { NodeName } from "./ids.js"

/**
 * One NUMA node: its CPUs (as the kernel numbers them) and its memory.
 * @category models
 */
export class NumaNode extends Schema.Class<NumaNode>("NumaNode")({
  id: Schema.NonNegativeInt,
  cpus: Schema.Array(Schema.NonNegativeInt),
  memoryBytes: Schema.NonNegativeInt
}) {}

/**
 * One GPU as `nvidia-smi` reports it. Usage fields are absent where the driver gives none.
 * @category models
 */
export class GpuInfo extends Schema.Class<GpuInfo>("GpuInfo")({
  index: Schema.NonNegativeInt,
  name: Schema.String,
  uuid: Schema.String,
  memoryTotalMiB: Schema.optional(Schema.Number),
  memoryUsedMiB: Schema.optional(Schema.Number),
  utilizationPercent: Schema.optional(Schema.Number),
  temperatureC: Schema.optional(Schema.Number),
  powerDrawW: Schema.optional(Schema.Number)
}) {}

/** How a runner can run tasks. */
export const ExecutorKind = Schema.Literal("docker", "systemd", "process")
/** @category models */
export type ExecutorKind = typeof ExecutorKind.Type

/**
 * The registration of a runner.
 * @category models
 */
export class NodeInfo extends Schema.Class<NodeInfo>("NodeInfo")({
  name: NodeName,
  url: Schema.String,
  cores: Schema.Number.pipe(Schema.positive()),
  memoryBytes: Schema.NonNegativeInt,
  numa: Schema.Array(NumaNode),
  gpus: Schema.Array(GpuInfo),
  executors: Schema.Array(ExecutorKind)
}) {}

/** A temperature sensor reading. */
export class Temperature extends Schema.Class<Temperature>("Temperature")({
  label: Schema.String,
  celsius: Schema.Number
}) {}

/**
 * Current usage of a node, sent with every heartbeat.
 * @category models
 */
export class NodeUsage extends Schema.Class<NodeUsage>("NodeUsage")({
  cpuPercent: Schema.Number,
  memoryUsedBytes: Schema.NonNegativeInt,
  memoryPercent: Schema.Number,
  temperatures: Schema.Array(Temperature),
  gpus: Schema.Array(GpuInfo)
}) {}
