/**
 * The dashboard never moves a task back in its life when a fetch answers after a newer event of
 * the live stream (packages/dashboard-ui/app/taskOrder.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { later } from "../../dashboard-ui/app/taskOrder.js"
import type { Task } from "../../dashboard-ui/app/types.js"

const task = (status: string) => ({ taskId: "1", status }) as unknown as Task

describe("dashboard task order", () => {
  it("keeps the view further along in the task's life", () => {
    expect(later(task("assigning"), task("running")).status).toBe("running")
    expect(later(task("running"), task("assigning")).status).toBe("running")
    expect(later(task("running"), task("completed")).status).toBe("completed")
    expect(later(task("pending"), undefined).status).toBe("pending")
  })

  it("on the same stage (running, paused) the first view (the fetched one) wins", () => {
    expect(later(task("paused"), task("running")).status).toBe("paused")
    expect(later(task("running"), task("paused")).status).toBe("running")
  })
})
