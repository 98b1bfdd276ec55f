/**
 * Identifiers. Task and batch ids are strings of decimal digits: they must survive JSON in
 * JavaScript, so no 64-bit numbers travel on the wire.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const digits = Schema.String.pipe(
  Schema.pattern(/^[0-9]{1,20}$/, { message: () => "must be a string of 1 to 20 decimal digits" })
)

/**
 * A task id, e.g. `"1732550000123000"`.
 * @category models
 */
export const TaskId = digits.pipe(Schema.brand("TaskId"), Schema.annotations({ identifier: "TaskId" }))
/** @category models */
export type TaskId = typeof TaskId.Type

/**
 * The id shared by the tasks of one submission.
 * @category models
 */
export const BatchId = digits.pipe(Schema.brand("BatchId"), Schema.annotations({ identifier: "BatchId" }))
/** @category models */
export type BatchId = typeof BatchId.Type

/**
 * A node (runner) name: a host-name-like label. Several runners may share a machine under
 * distinct names.
 * @category models
 */
export const NodeName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, {
    message: () => "a node name is 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
  }),
  Schema.brand("NodeName"),
  Schema.annotations({ identifier: "NodeName" })
)
/** @category models */
export type NodeName = typeof NodeName.Type
