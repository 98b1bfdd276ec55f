// A client of its own for the host-scale section: reads one task's status every `intervalMs`
// over a keep-alive connection until told to stop, then sends back the latencies (milliseconds).
// It shares nothing with the load generator, whose own event loop is busy with 50–500 simulated
// runners, so its figures are the host's latency as an idle client sees it.
import { Agent, request } from "node:http"

const agent = new Agent({ keepAlive: true, maxSockets: 1 })
const samples = []
let stopped = false

const read = (url) =>
  new Promise((resolve) => {
    const t0 = performance.now()
    const req = request(url, { agent }, (res) => {
      res.resume()
      res.on("end", () => {
        if (res.statusCode === 200) samples.push(performance.now() - t0)
        resolve()
      })
    })
    req.on("error", () => resolve())
    req.end()
  })

process.on("message", async (message) => {
  if (message.stop === true) {
    stopped = true
    return
  }
  while (!stopped) {
    await read(message.url)
    await new Promise((resolve) => setTimeout(resolve, message.intervalMs))
  }
  process.send({ samples }, () => process.disconnect())
})
