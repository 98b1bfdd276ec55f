/**
 * The floor of a host: Node's own HTTP server answering the runners' calls (register, heartbeat)
 * with the same JSON as ours and nothing else — no framework, no validation, no store. The
 * host-scale section drives it with the same simulated runners as the real host, and the
 * footprint section reads its idle RSS, so both print what Node alone costs next to ours.
 * Plain JavaScript, run with `node bench/lib/bareHost.mjs PORT`: no loader in the process.
 */
import { createServer } from "node:http"

const port = Number(process.argv[2] ?? 0)
const intervalS = Number(process.argv[3] ?? 5)
const nodes = new Map()

const reply = (res, status, body) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}

const handle = (req, res, body) => {
  if (req.method === "POST" && req.url === "/nodes/register") {
    nodes.set(body.name, { info: body, beat: null, at: Date.now() })
    return reply(res, 200, { heartbeatIntervalS: intervalS })
  }
  const beat = /^\/nodes\/([^/]+)\/heartbeat$/.exec(req.url ?? "")
  if (req.method === "POST" && beat !== null) {
    const node = nodes.get(beat[1])
    if (node === undefined) return reply(res, 404, { _tag: "UnknownNode", name: beat[1] })
    node.beat = body
    node.at = Date.now()
    return reply(res, 200, { killTaskIds: [] })
  }
  return reply(res, 404, { _tag: "NotFound" })
}

const server = createServer((req, res) => {
  const chunks = []
  req.on("data", (chunk) => chunks.push(chunk))
  req.on("end", () => {
    try {
      handle(req, res, chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString("utf8")))
    } catch {
      reply(res, 400, { _tag: "BadRequest" })
    }
  })
})
// as the host's cluster server: an idle connection is kept over three heartbeat intervals
server.keepAliveTimeout = Math.max(65, 3 * intervalS) * 1000
server.listen(port, "127.0.0.1", () => console.log(`bare host listening on ${server.address().port}`))
process.on("SIGTERM", () => server.close(() => process.exit(0)))
