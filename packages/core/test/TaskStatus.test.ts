import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  activeStatuses,
  allStatuses,
  canTransition,
  finalStatuses,
  isFinal,
  type TaskStatus,
  transitions
} from "../src/domain/index.js"

const status = fc.constantFrom(...allStatuses)

describe("task status transitions", () => {
  it("final states have no way out", () => {
    for (const s of finalStatuses) {
      expect(transitions[s]).toEqual([])
      for (const t of allStatuses) expect(canTransition(s, t)).toBe(false)
    }
  })

  it("every status is either final or can reach a final state", () => {
    for (const s of allStatuses) {
      if (isFinal(s)) continue
      expect(transitions[s].some(isFinal)).toBe(true)
    }
  })

  it("a walk that follows the table never leaves a final state", () => {
    fc.assert(
      fc.property(fc.array(status, { maxLength: 40 }), (attempts) => {
        let current: TaskStatus = "pending"
        let reachedFinal = false
        for (const next of attempts) {
          if (!canTransition(current, next)) continue
          expect(reachedFinal).toBe(false)
          current = next
          reachedFinal = isFinal(current)
        }
        if (reachedFinal) expect(isFinal(current)).toBe(true)
      })
    )
  })

  it("follows the documented life cycle", () => {
    expect(canTransition("pending", "assigning")).toBe(true)
    expect(canTransition("assigning", "running")).toBe(true)
    expect(canTransition("running", "paused")).toBe(true)
    expect(canTransition("paused", "running")).toBe(true)
    expect(canTransition("pending", "running")).toBe(false)
    expect(canTransition("running", "pending")).toBe(false)
    expect(canTransition("paused", "completed")).toBe(true)
    for (const end of finalStatuses) expect(canTransition("running", end)).toBe(true)
  })

  it("active statuses are exactly the non-final, non-pending ones", () => {
    expect([...activeStatuses].sort()).toEqual(
      allStatuses.filter((s) => !isFinal(s) && s !== "pending").sort()
    )
  })

  it("the table only names known statuses", () => {
    fc.assert(
      fc.property(status, status, (from, to) => {
        expect(canTransition(from, to)).toBe(transitions[from].includes(to))
      })
    )
  })
})
