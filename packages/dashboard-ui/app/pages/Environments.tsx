/**
 * Environments: the persistent containers on the host (create, start, stop, delete, open a
 * terminal) and the packaged tarballs (create-tar with its progress).
 */
import { useEffect, useState } from "preact/hooks"
import { ApiError, api } from "../api.js"
import { bytes, time } from "../format.js"
import { href } from "../router.js"
import type { EnvContainer, TarballInfo, TarProgress } from "../types.js"

const message = (e: unknown) => (e instanceof ApiError ? e.message : String(e))

/**
 * Follows a create-tar: polls only that env's progress route while the job runs (`active`), then
 * once more for the final phase.
 */
const TarJob = (props: { readonly env: string; readonly active: boolean }) => {
  const [progress, setProgress] = useState<TarProgress | null>(null)
  useEffect(() => {
    let cancelled = false
    const tick = async () => {
      while (!cancelled) {
        const stillRunning = props.active
        try {
          const p = await api.tarProgress(props.env)
          if (cancelled) return
          setProgress(p)
          if (!stillRunning) return
        } catch {
          // keep trying while the job runs
        }
        await new Promise((r) => setTimeout(r, 500))
      }
    }
    void tick()
    return () => {
      cancelled = true
    }
  }, [props.env, props.active])
  if (progress === null) return <span class="muted">starting…</span>
  return (
    <span class={progress.phase === "failed" ? "error" : "muted"} data-tar-phase={progress.phase}>
      {progress.phase}
      {progress.bytesWritten > 0 ? ` · ${bytes(progress.bytesWritten)}` : ""}
      {progress.error !== null ? ` · ${progress.error}` : ""}
    </span>
  )
}

/** The environments page. */
export const Environments = () => {
  const [containers, setContainers] = useState<ReadonlyArray<EnvContainer> | null>(null)
  const [tars, setTars] = useState<ReadonlyArray<TarballInfo>>([])
  const [error, setError] = useState("")
  const [image, setImage] = useState("python:3.12-alpine")
  const [env, setEnv] = useState("")
  const [busy, setBusy] = useState("")
  /** create-tar jobs started from this page: env → still running. */
  const [jobs, setJobs] = useState<Readonly<Record<string, boolean>>>({})

  const reload = async () => {
    try {
      setTars(await api.tars())
    } catch (e) {
      setError(message(e))
    }
    try {
      setContainers(await api.containers())
      setError("")
    } catch (e) {
      setContainers([])
      setError(message(e))
    }
  }
  useEffect(() => {
    void reload()
  }, [])

  const run = async (label: string, action: () => Promise<unknown>) => {
    setBusy(label)
    setError("")
    try {
      await action()
      await reload()
    } catch (e) {
      setError(message(e))
    } finally {
      setBusy("")
    }
  }

  const createTar = (name: string) =>
    run(`tar ${name}`, async () => {
      setJobs((j) => ({ ...j, [name]: true }))
      try {
        await api.createTar(name)
      } finally {
        setJobs((j) => ({ ...j, [name]: false }))
      }
    })

  return (
    <div class="page">
      <h1>Environments</h1>
      {error !== "" && <p class="error">{error}</p>}
      <h2>Containers on the host</h2>
      <table class="table">
        <thead>
          <tr>
            <th>env</th>
            <th>image</th>
            <th>state</th>
            <th>actions</th>
          </tr>
        </thead>
        <tbody>
          {(containers ?? []).map((c) => (
            <tr key={c.env} data-env={c.env}>
              <td>{c.env}</td>
              <td class="mono">{c.image}</td>
              <td>{c.state}</td>
              <td>
                <div class="actions">
                  <a class="button" href={href(`/terminal/${c.env}`)}>
                    Terminal
                  </a>
                  {c.state === "running" ? (
                    <button
                      type="button"
                      disabled={busy !== ""}
                      onClick={() => run("stop", () => api.stopContainer(c.env))}
                    >
                      Stop
                    </button>
                  ) : (
                    <button
                      type="button"
                      disabled={busy !== ""}
                      onClick={() => run("start", () => api.startContainer(c.env))}
                    >
                      Start
                    </button>
                  )}
                  <button type="button" disabled={busy !== ""} onClick={() => createTar(c.env)}>
                    Create tarball
                  </button>
                  <button
                    type="button"
                    class="danger"
                    disabled={busy !== ""}
                    onClick={() =>
                      confirm(`Delete the container of ${c.env}? Its tarballs are kept.`) &&
                      run("delete", () => api.deleteContainer(c.env))
                    }
                  >
                    Delete
                  </button>
                  {jobs[c.env] !== undefined && <TarJob env={c.env} active={jobs[c.env] === true} />}
                </div>
              </td>
            </tr>
          ))}
          {containers !== null && containers.length === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                No environment containers.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault()
          void run("create", () => api.createContainer(image.trim(), env.trim()))
        }}
      >
        <input
          name="image"
          placeholder="image, e.g. python:3.12-alpine"
          value={image}
          onInput={(e) => setImage(e.currentTarget.value)}
        />
        <input
          name="env"
          placeholder="env name, e.g. torch"
          value={env}
          onInput={(e) => setEnv(e.currentTarget.value)}
        />
        <button
          type="submit"
          class="primary"
          disabled={busy !== "" || env.trim() === "" || image.trim() === ""}
        >
          Create container
        </button>
        {busy !== "" && <span class="muted">{busy}…</span>}
      </form>
      <h2>Tarballs (shared storage)</h2>
      <table class="table">
        <thead>
          <tr>
            <th>env</th>
            <th>file</th>
            <th>size</th>
            <th>created</th>
            <th>versions</th>
          </tr>
        </thead>
        <tbody>
          {tars.map((t) => (
            <tr key={t.env} data-tar={t.env}>
              <td>{t.env}</td>
              <td class="mono">{t.file}</td>
              <td>{bytes(t.sizeBytes)}</td>
              <td>{time(new Date(t.timestamp * (t.timestamp < 1e11 ? 1000 : 1)).toISOString())}</td>
              <td>{t.versions.length}</td>
            </tr>
          ))}
          {tars.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No tarballs yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}
