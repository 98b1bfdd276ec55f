/**
 * The spawn helper: a small long-lived node process that starts the tasks' processes for the
 * process executor. libuv forks and then blocks the forking thread until the child has exec'd;
 * the fork copies the page tables of the process that forks, and the child tears them down at
 * exec. From a runner of ~150 MB that was ~3 ms of CPU and 4–9 ms of a blocked event loop per
 * task; from this helper, a bare node, about a third of it, and the runner's loop stays free.
 *
 * The file work of a start is the helper's too: it opens the task's log files (a missing folder is
 * made, a full file system refused) and writes the task's pid file before it answers that the
 * process started, and removes that file when the process ends, before it says so. Creating those
 * files took ~1 ms of the runner's event loop per task.
 *
 * Requests and answers are JSON lines on the helper's stdin and stdout. A command is an argument
 * array handed to `spawn` without a shell, as the executor's own spawn did. The helper ends when
 * its stdin closes (the runner ended); the tasks it started keep running in their own process
 * groups, as before, for a restarted runner to find by their pid files.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import * as Effect from "effect/Effect"
import { cannotOpenLogs, logDirFull, minimumFreeBytes } from "../logFiles.js"

/**
 * What the helper starts.
 * @category models
 */
export interface SpawnRequest {
  /** The program; `args` follow it (no shell). */
  readonly file: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  /** Log files, opened for append (the same path for both = one file). */
  readonly stdout: string
  readonly stderr: string
  /**
   * The pid file to write once the process started (`{ taskId, pid, startTime }`, as
   * `PidRecord`), and to remove when it ends.
   */
  readonly pidFile?: { readonly path: string; readonly taskId: string } | undefined
}

/**
 * How a started process ended: its exit, or `Unknown` when the helper stopped before it (its
 * parent is gone, and its exit status with it).
 * @category models
 */
export type SpawnExit =
  | { readonly _tag: "Exited"; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly _tag: "Unknown"; readonly pid: number }

/**
 * A process the helper started (its end goes to the `onExit` of the request), or why it could not:
 * the program did not start (`NotStarted`), or its log files could not be opened (`NoLogFiles`).
 * @category models
 */
export type Spawned =
  | { readonly _tag: "Started"; readonly pid: number }
  | { readonly _tag: "NotStarted"; readonly error: string }
  | { readonly _tag: "NoLogFiles"; readonly error: string }

/** The helper itself, run with `node -e` (no file to ship or find). */
const program = `
const { spawn } = require("node:child_process")
const fs = require("node:fs")
const path = require("node:path")
const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n")
// the runner is gone (its end of the pipe closed): nothing left to answer
process.stdout.on("error", () => process.exit(0))
// a missing folder is made on the first failure only: one system call per file otherwise
const inFolder = (file, f) => {
  try {
    return f()
  } catch (e) {
    if (e.code !== "ENOENT") throw e
    fs.mkdirSync(path.dirname(file), { recursive: true })
    return f()
  }
}
const openLog = (file) => inFolder(file, () => fs.openSync(file, "a"))
const freeBytes = (file) => {
  try {
    const s = fs.statfsSync(path.dirname(file))
    return s.bavail * s.bsize
  } catch {
    return Infinity
  }
}
// as pidFile.ts: field 22 of /proc/PID/stat, counted after the command name's last ")"
const startTime = (pid) => {
  try {
    const text = fs.readFileSync("/proc/" + pid + "/stat", "utf8")
    return text.slice(text.lastIndexOf(")") + 2).split(" ")[19] ?? null
  } catch {
    return null
  }
}
const writePidFile = (file, taskId, pid) => {
  try {
    const tmp = file.path + "." + process.pid + ".tmp"
    const text = JSON.stringify({ taskId, pid, startTime: startTime(pid) })
    inFolder(tmp, () => fs.writeFileSync(tmp, text))
    fs.renameSync(tmp, file.path)
  } catch {
    // without a pid file the task still runs; only a restarted runner could not find it
  }
}
const removePidFile = (file) => {
  try {
    fs.unlinkSync(file.path)
  } catch {}
}
const start = (r) => {
  let out, err, child
  try {
    out = openLog(r.stdout)
    err = r.stderr === r.stdout ? out : openLog(r.stderr)
  } catch (e) {
    if (out !== undefined) fs.closeSync(out)
    return send({ id: r.id, logs: "open", detail: e.message })
  }
  try {
    const free = freeBytes(r.stdout)
    if (free < ${minimumFreeBytes}) return send({ id: r.id, logs: "full", detail: path.dirname(r.stdout), free })
    child = spawn(r.file, r.args, { cwd: r.cwd, env: r.env, detached: true, stdio: ["ignore", out, err], windowsHide: true })
  } catch (e) {
    return send({ id: r.id, error: e.message })
  } finally {
    fs.closeSync(out)
    if (err !== out) fs.closeSync(err)
  }
  if (child.pid === undefined) return child.once("error", (e) => send({ id: r.id, error: e.message }))
  if (r.pidFile !== undefined) writePidFile(r.pidFile, r.pidFile.taskId, child.pid)
  send({ id: r.id, pid: child.pid })
  child.once("exit", (code, signal) => {
    if (r.pidFile !== undefined) removePidFile(r.pidFile)
    send({ id: r.id, code, signal })
  })
}
require("node:readline")
  .createInterface({ input: process.stdin })
  .on("line", (line) => start(JSON.parse(line)))
  .on("close", () => process.exit(0))
`

/** One answer of the helper. */
interface Answer {
  readonly id: number
  readonly pid?: number
  readonly error?: string
  /** The log files could not be opened (`detail`: why), or their file system is full. */
  readonly logs?: "open" | "full"
  readonly detail?: string
  readonly free?: number
  readonly code?: number | null
  readonly signal?: NodeJS.Signals | null
}

/** A request in flight: waiting for its start, then for its exit. */
interface InFlight {
  readonly started: (spawned: Spawned) => void
  readonly onExit: (exit: SpawnExit) => void
  pid: number | undefined
}

/** A child's stdio stream is a socket, which `ref`/`unref` as its handle does. */
const pipe = (stream: unknown) => stream as { readonly ref?: () => void; readonly unref?: () => void } | null

/**
 * The helper's interface.
 * @category models
 */
export interface SpawnHelper {
  /**
   * Starts a process; an answer of the helper that it could not is `NotStarted`. Once started,
   * its end is given to `onExit`, once.
   */
  readonly spawn: (request: SpawnRequest, onExit: (exit: SpawnExit) => void) => Effect.Effect<Spawned>
  /** The helper's process id while it runs. */
  readonly pid: () => number | undefined
}

/**
 * Options of the helper.
 * @category models
 */
export interface SpawnHelperOptions {
  /**
   * How long the helper stays once nothing is in flight (no start asked for, no started process
   * running), in milliseconds; default one minute. An idle runner then holds no helper (about
   * 7 MB of private memory); the next start brings it back (a node start, ~60 ms here).
   */
  readonly idleMs?: number | undefined
}

/**
 * A helper started on first use, and again after it stopped or was let go (`idleMs` with nothing
 * in flight). While nothing is in flight it holds no reference on the event loop.
 * @category constructors
 */
export const make = (options: SpawnHelperOptions = {}): SpawnHelper => {
  const idleMs = options.idleMs ?? 60_000
  let child: ChildProcess | undefined
  const inFlight = new Map<number, InFlight>()
  let nextId = 0
  let idleTimer: ReturnType<typeof setTimeout> | undefined

  /** Lets the helper go: it ends when its stdin closes; nothing it started is left to answer. */
  const letGo = () => {
    idleTimer = undefined
    const idle = child
    if (idle === undefined || inFlight.size > 0) return
    child = undefined
    idle.stdin?.end()
  }

  // while something is in flight its answers must keep the runner's event loop alive; once
  // nothing is, the helper is let go after `idleMs`
  const holdLoop = () => {
    const answers = pipe(child?.stdout)
    if (idleTimer !== undefined) clearTimeout(idleTimer)
    idleTimer = undefined
    if (inFlight.size > 0) {
      answers?.ref?.()
      return
    }
    answers?.unref?.()
    if (child !== undefined) {
      idleTimer = setTimeout(letGo, idleMs)
      idleTimer.unref()
    }
  }

  const answer = (a: Answer) => {
    const entry = inFlight.get(a.id)
    if (entry === undefined) return
    if (a.logs !== undefined) {
      inFlight.delete(a.id)
      const detail = a.detail ?? ""
      const error = a.logs === "open" ? cannotOpenLogs(detail) : logDirFull(detail, a.free ?? 0)
      entry.started({ _tag: "NoLogFiles", error })
    } else if (a.error !== undefined) {
      inFlight.delete(a.id)
      entry.started({ _tag: "NotStarted", error: a.error })
    } else if (a.pid !== undefined) {
      entry.pid = a.pid
      entry.started({ _tag: "Started", pid: a.pid })
    } else {
      inFlight.delete(a.id)
      entry.onExit({ _tag: "Exited", code: a.code ?? null, signal: a.signal ?? null })
    }
    holdLoop()
  }

  /** The helper stopped: what it had started ends `Unknown`, what it had not, `NotStarted`. */
  const stopped = (which: ChildProcess) => {
    if (child !== which) return
    child = undefined
    const left = [...inFlight.values()]
    inFlight.clear()
    for (const entry of left) {
      if (entry.pid !== undefined) entry.onExit({ _tag: "Unknown", pid: entry.pid })
      else entry.started({ _tag: "NotStarted", error: "the spawn helper stopped before it answered" })
    }
  }

  const helper = (): ChildProcess => {
    if (child !== undefined) return child
    const started = spawn(process.execPath, ["-e", program], { stdio: ["pipe", "pipe", "inherit"] })
    child = started
    started.unref()
    pipe(started.stdin)?.unref?.()
    if (started.stdout !== null) {
      createInterface({ input: started.stdout }).on("line", (line) => answer(JSON.parse(line) as Answer))
    }
    // "close", not "exit": answers still in the pipe when it stopped are read first
    started.once("close", () => stopped(started))
    started.once("error", () => stopped(started))
    // a write after the helper stopped fails here; `stopped` answers the request
    started.stdin?.on("error", () => stopped(started))
    return started
  }

  const spawnOne = (request: SpawnRequest, onExit: (exit: SpawnExit) => void) =>
    Effect.async<Spawned>((resume) => {
      const id = nextId++
      const running = helper()
      inFlight.set(id, { started: (spawned) => resume(Effect.succeed(spawned)), onExit, pid: undefined })
      holdLoop()
      running.stdin?.write(`${JSON.stringify({ id, ...request })}\n`)
    })

  return { spawn: spawnOne, pid: () => child?.pid }
}
