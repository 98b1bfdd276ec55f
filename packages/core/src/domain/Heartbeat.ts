/**
 * The heartbeat a runner sends every `heartbeat_interval` seconds.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { NodeName, TaskId } from "./ids.js"
import { NodeUsage } from "./Node.js"

/** @category models */
export class Heartbeat extends Schema.Class<Heartbeat>("Heartbeat")({
  name: NodeName,
  usage: NodeUsage,
  /** Ids of the tasks the runner is running (or has paused) right now. */
  runningTaskIds: Schema.Array(TaskId)
}) {}

/** The host's answer to a heartbeat: tasks the runner runs that the host has finished. */
export class HeartbeatAck extends Schema.Class<HeartbeatAck>("HeartbeatAck")({
  killTaskIds: Schema.Array(TaskId)
}) {}
