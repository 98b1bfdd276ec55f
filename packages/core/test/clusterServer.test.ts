/**
 * The cluster's HTTP server: a request that arrives after the server listens but before the
 * application attaches its handler waits for that handler (Node drops it otherwise, and the
 * client waits forever).
 */
import { describe, expect, it } from "@effect/vitest"
import type { AddressInfo } from "node:net"
import { request } from "node:http"
import { clusterServer } from "../src/api/clusterServer.js"

const send = (port: number, body: string) =>
  new Promise<string>((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", method: "POST", path: "/early", timeout: 5000 }, (res) => {
      let text = ""
      res.on("data", (chunk) => {
        text += chunk
      })
      res.on("end", () => resolve(text))
    })
    req.on("timeout", () => req.destroy(new Error("no answer")))
    req.on("error", reject)
    req.end(body)
  })

describe("clusterServer", () => {
  it("holds requests that arrive before the handler, and hands them to it", async () => {
    const server = clusterServer({ timing: { heartbeat_interval: 5 } })()
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const early = [send(port, "first"), send(port, "second")]
      await new Promise((resolve) => setTimeout(resolve, 300))
      server.on("request", (req, res) => {
        let body = ""
        req.on("data", (chunk) => {
          body += chunk
        })
        req.on("end", () => res.end(`${req.url} ${body}`))
      })
      expect(await Promise.all(early)).toEqual(["/early first", "/early second"])
      // later requests go straight to the handler
      expect(await send(port, "third")).toBe("/early third")
      expect(server.listenerCount("request")).toBe(1)
    } finally {
      server.close()
    }
  })
})
