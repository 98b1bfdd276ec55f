/**
 * Open waits: the host's CPU per submit while many clients wait on other tasks (`hakuriver wait`,
 * `submit --wait`, scripts following their own tasks), against the same submits with none open,
 * the two alternating. A change reaches only the waits of its task, so the ratio stays near 1; it
 * was ~3 when every open wait heard every change.
 */
import { connect } from "@hakuriver/sdk"
import { cluster, cpuMsOf } from "./lib/cluster.js"
import { sleep } from "./lib/sleep.js"
import { mean, round2 } from "./lib/stats.js"

export interface OpenWaitsResult {
  readonly openWaits: number
  readonly submits: number
  /** Host CPU per submit (ms), with no wait open (the floor) and with `openWaits` open. */
  readonly cpuMsPerSubmitAlone: number
  readonly cpuMsPerSubmitWithWaits: number
  readonly ratio: number
}

export const openWaits = async (waits: number, submits: number): Promise<OpenWaitsResult> => {
  // no runner: every task stays queued, and only the submits change anything
  const nodes = await cluster("process", 0)
  try {
    const client = connect({ url: nodes.url })
    const pid = nodes.host.child.pid ?? 0
    const cpuPerSubmit = async (open: number) => {
      const held =
        open === 0
          ? []
          : (
              await client.submitBatch(
                Array.from({ length: open }, () => ({ command: ["true"], container: "NULL" }))
              )
            ).taskIds
      const waiting = held.map((id) => client.wait([id], { pollInterval: 60 }).catch(() => undefined))
      // the waits reach the host and settle
      await sleep(1000)
      const before = cpuMsOf(pid)
      for (let i = 0; i < submits; i++) await client.submit({ command: ["true"], container: "NULL" })
      const perSubmit = (cpuMsOf(pid) - before) / submits
      for (const id of held) await client.kill(id)
      await Promise.all(waiting)
      return perSubmit
    }
    const alone: Array<number> = []
    const withWaits: Array<number> = []
    for (let pass = 0; pass < 2; pass++) {
      alone.push(await cpuPerSubmit(0))
      withWaits.push(await cpuPerSubmit(waits))
    }
    const result: OpenWaitsResult = {
      openWaits: waits,
      submits,
      cpuMsPerSubmitAlone: round2(mean(alone)),
      cpuMsPerSubmitWithWaits: round2(mean(withWaits)),
      ratio: round2(mean(withWaits) / mean(alone))
    }
    console.log(
      `  host CPU per submit: ${result.cpuMsPerSubmitAlone} ms with no wait open (floor), ` +
        `${result.cpuMsPerSubmitWithWaits} ms with ${waits} waits open on other tasks (×${result.ratio})`
    )
    return result
  } finally {
    await nodes.close()
  }
}
