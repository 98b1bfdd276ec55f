/**
 * Submit: a command (split into an argument array here, never run through a shell), targets
 * picked from the live node list (node, NUMA zone, GPUs), a container from the tarball list,
 * cores, memory, environment variables and mounts.
 */
import { useEffect, useState } from "preact/hooks"
import { ApiError, api } from "../api.js"
import { splitArgs } from "../argv.js"
import { nodes } from "../live.js"
import { href, navigate } from "../router.js"
import { useStore } from "../store.js"
import type { SubmitResponse, TarballInfo, TaskSpec } from "../types.js"

/** `512M`, `4G`, `1.5G` → bytes (units are powers of 1000, as the CLI's). */
export const parseMemory = (input: string): number | string => {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([KMGTkmgt])?[Bb]?$/.exec(input.trim())
  if (m === null) return "memory is a number with an optional unit K, M, G or T, e.g. 512M"
  const unit = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[(m[2] ?? "").toUpperCase()] ?? 1
  const value = Math.round(Number(m[1]) * unit)
  return value > 0 ? value : "memory must be more than 0 bytes"
}

/** `KEY=VALUE` lines → a record, or an error message. */
const parseEnv = (text: string): Record<string, string> | string => {
  const env: Record<string, string> = {}
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (line === "") continue
    const eq = line.indexOf("=")
    if (eq <= 0) return `"${line}" is not KEY=VALUE`
    env[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return env
}

/** A target string from a node, an optional NUMA id and GPU ids. */
export const targetString = (node: string, numa: string, gpus: ReadonlyArray<number>): string =>
  gpus.length > 0 ? `${node}::${gpus.join(",")}` : numa !== "" ? `${node}:${numa}` : node

/** The submit page. */
export const Submit = () => {
  const nodeList = useStore(nodes)
  const [tars, setTars] = useState<ReadonlyArray<TarballInfo>>([])
  const [command, setCommand] = useState("")
  const [targets, setTargets] = useState<ReadonlyArray<string>>([])
  const [pickNode, setPickNode] = useState("")
  const [pickNuma, setPickNuma] = useState("")
  const [pickGpus, setPickGpus] = useState<ReadonlyArray<number>>([])
  const [container, setContainer] = useState("")
  const [coresValue, setCores] = useState("1")
  const [memory, setMemory] = useState("")
  const [envText, setEnvText] = useState("")
  const [mountsText, setMountsText] = useState("")
  const [privileged, setPrivileged] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState("")
  const [result, setResult] = useState<SubmitResponse | null>(null)

  useEffect(() => {
    api
      .tars()
      .then(setTars)
      .catch(() => setTars([]))
  }, [])

  const node = nodeList.find((n) => n.name === pickNode)
  const parsed = splitArgs(command)

  const addTarget = () => {
    if (pickNode === "") return
    const t = targetString(pickNode, pickNuma, pickGpus)
    if (!targets.includes(t)) setTargets([...targets, t])
    setPickGpus([])
    setPickNuma("")
  }

  const submit = async (e: Event) => {
    e.preventDefault()
    setError("")
    setResult(null)
    if ("error" in parsed) return setError(`command: ${parsed.error}`)
    const [program, ...rest] = parsed.args
    if (program === undefined) return setError("enter a command")
    const env = parseEnv(envText)
    if (typeof env === "string") return setError(`env: ${env}`)
    const coreCount = Number(coresValue)
    if (!(coreCount > 0)) return setError("cores must be a positive number")
    const memoryBytes = memory.trim() === "" ? undefined : parseMemory(memory)
    if (typeof memoryBytes === "string") return setError(memoryBytes)
    const mounts = mountsText
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
    const spec: TaskSpec = {
      command: [program, ...rest],
      env,
      cores: coreCount,
      targets: [...targets],
      ...(memoryBytes === undefined ? {} : { memoryBytes }),
      ...(container === "" ? {} : { container }),
      ...(privileged ? { privileged: true } : {}),
      ...(mounts.length === 0 ? {} : { mounts })
    }
    setBusy(true)
    try {
      const response = await api.submit(spec)
      setResult(response)
      const [only] = response.taskIds
      if (response.taskIds.length === 1 && response.failedTargets.length === 0 && only !== undefined) {
        navigate(`/tasks/${only}`)
      }
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="page">
      <h1>Submit a task</h1>
      <form class="form" onSubmit={submit}>
        <label>
          command
          <input
            name="command"
            class="mono"
            placeholder="python /shared/train.py --lr 0.1"
            value={command}
            onInput={(e) => setCommand(e.currentTarget.value)}
          />
          <small class="muted">
            {"error" in parsed
              ? parsed.error
              : parsed.args.length === 0
                ? "split into arguments like a shell would, but never run through one"
                : `arguments: ${JSON.stringify(parsed.args)}`}
          </small>
        </label>

        <fieldset>
          <legend>targets</legend>
          <div class="row">
            <select name="target-node" value={pickNode} onChange={(e) => setPickNode(e.currentTarget.value)}>
              <option value="">node…</option>
              {nodeList.map((n) => (
                <option key={n.name} value={n.name} disabled={n.status !== "online"}>
                  {n.name} ({n.status}, {n.cores - n.allocated.cores} cores free)
                </option>
              ))}
            </select>
            <select
              name="target-numa"
              value={pickNuma}
              disabled={node === undefined || node.numa.length === 0 || pickGpus.length > 0}
              onChange={(e) => setPickNuma(e.currentTarget.value)}
            >
              <option value="">any NUMA</option>
              {(node?.numa ?? []).map((z) => (
                <option key={z.id} value={String(z.id)}>
                  NUMA {z.id} ({z.cpus.length} CPUs)
                </option>
              ))}
            </select>
            {(node?.gpus ?? []).map((g) => (
              <label key={g.index} class="inline">
                <input
                  type="checkbox"
                  checked={pickGpus.includes(g.index)}
                  onChange={(e) =>
                    setPickGpus(
                      e.currentTarget.checked
                        ? [...pickGpus, g.index].sort()
                        : pickGpus.filter((i) => i !== g.index)
                    )
                  }
                />
                GPU {g.index}
                {node?.allocated.gpus.includes(g.index) ? " (busy)" : ""}
              </label>
            ))}
            <button type="button" name="add-target" disabled={pickNode === ""} onClick={addTarget}>
              Add target
            </button>
          </div>
          <div class="chips">
            {targets.map((t) => (
              <span key={t} class="chip" data-target={t}>
                {t}
                <button
                  type="button"
                  aria-label={`remove ${t}`}
                  onClick={() => setTargets(targets.filter((x) => x !== t))}
                >
                  ×
                </button>
              </span>
            ))}
            {targets.length === 0 && <span class="muted">none: the host places the task</span>}
          </div>
        </fieldset>

        <div class="grid3">
          <label>
            container
            <select name="container" value={container} onChange={(e) => setContainer(e.currentTarget.value)}>
              <option value="">host default</option>
              {tars.map((t) => (
                <option key={t.env} value={t.env}>
                  {t.env}
                </option>
              ))}
              <option value="NULL">NULL (no Docker: systemd fallback)</option>
            </select>
          </label>
          <label>
            cores
            <input
              name="cores"
              type="number"
              min="0.1"
              step="0.1"
              value={coresValue}
              onInput={(e) => setCores(e.currentTarget.value)}
            />
          </label>
          <label>
            memory
            <input
              name="memory"
              placeholder="e.g. 512M, 4G"
              value={memory}
              onInput={(e) => setMemory(e.currentTarget.value)}
            />
          </label>
        </div>
        <div class="grid2">
          <label>
            environment (KEY=VALUE per line)
            <textarea
              name="env"
              rows={3}
              class="mono"
              value={envText}
              onInput={(e) => setEnvText(e.currentTarget.value)}
            />
          </label>
          <label>
            mounts (HOST:CONTAINER[:ro] per line)
            <textarea
              name="mounts"
              rows={3}
              class="mono"
              value={mountsText}
              onInput={(e) => setMountsText(e.currentTarget.value)}
            />
          </label>
        </div>
        <label class="inline">
          <input
            type="checkbox"
            name="privileged"
            checked={privileged}
            onChange={(e) => setPrivileged(e.currentTarget.checked)}
          />
          privileged container (use with care)
        </label>
        <div class="actions">
          <button type="submit" class="primary" name="submit" disabled={busy}>
            {busy ? "Submitting…" : "Submit"}
          </button>
          {error !== "" && (
            <span class="error" data-testid="submit-error">
              {error}
            </span>
          )}
        </div>
      </form>
      {result !== null && (
        <section class="result" data-testid="submit-result">
          <p>
            Batch <a href={href(`/tasks?batch=${result.batchId}`)}>{result.batchId}</a>:{" "}
            {result.taskIds.map((id) => (
              <a key={id} href={href(`/tasks/${id}`)} class="mono">
                {id}{" "}
              </a>
            ))}
          </p>
          {result.failedTargets.map((f) => (
            <p key={f.target} class="error">
              {f.target}: {f.reason}
            </p>
          ))}
        </section>
      )}
    </div>
  )
}
