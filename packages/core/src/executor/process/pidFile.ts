/**
 * Pid files of the process executor: one small JSON file per running task, so that a restarted
 * runner can find a process that outlived it. The spawn helper writes them (`SpawnHelper.ts`).
 * The process start time from `/proc/PID/stat` guards against a recycled pid.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Schema from "effect/Schema"
import { TaskId } from "../../domain/index.js"

/**
 * What the executor remembers of a started process.
 * @category models
 */
export class PidRecord extends Schema.Class<PidRecord>("PidRecord")({
  taskId: TaskId,
  pid: Schema.Int.pipe(Schema.positive()),
  /** Field 22 of `/proc/PID/stat` (clock ticks since boot), or null where `/proc` is absent. */
  startTime: Schema.NullOr(Schema.String)
}) {}

const decode = Schema.decodeUnknownOption(Schema.parseJson(PidRecord))

/** The pid file of a task. */
export const pidFilePath = (dir: string, taskId: string): string => path.join(dir, `${taskId}.pid.json`)

/** Reads `/proc/PID/stat` and returns the process state letter and start time, if present. */
export const procStat = (pid: number): { readonly state: string; readonly startTime: string } | undefined => {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // "PID (comm) S ppid ..." — comm may hold spaces and parentheses, so split after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ")
  const state = rest[0]
  const startTime = rest[19]
  return state === undefined || startTime === undefined ? undefined : { state, startTime }
}

/** Whether the process of a record still runs (and is the same process, not a recycled pid). */
export const isAlive = (record: PidRecord): boolean => {
  const stat = procStat(record.pid)
  if (stat !== undefined)
    return (
      stat.state !== "Z" &&
      stat.state !== "X" &&
      (record.startTime === null || stat.startTime === record.startTime)
    )
  try {
    process.kill(record.pid, 0)
    return record.startTime === null
  } catch {
    return false
  }
}

/** Removes the pid file of a task; a missing file is fine. */
export const removePidFile = (dir: string, taskId: string): void => {
  try {
    fs.unlinkSync(pidFilePath(dir, taskId))
  } catch {
    // gone already (the spawn helper removes it when the process ends)
  }
}

/** Reads every valid record of the folder; unreadable files are ignored. */
export const readPidFiles = (dir: string): ReadonlyArray<PidRecord> => {
  let names: ReadonlyArray<string>
  try {
    names = fs.readdirSync(dir)
  } catch {
    return []
  }
  const out: Array<PidRecord> = []
  for (const name of names) {
    if (!name.endsWith(".pid.json")) continue
    try {
      const record = decode(fs.readFileSync(path.join(dir, name), "utf8"))
      if (record._tag === "Some") out.push(record.value)
    } catch {
      // a file that vanished meanwhile
    }
  }
  return out
}
