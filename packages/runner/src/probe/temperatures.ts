/**
 * Temperature sensors from sysfs: `/sys/class/thermal/thermal_zone*` (`type`, `temp`) and
 * `/sys/class/hwmon/hwmon*` (`name`, `tempN_label`, `tempN_input`), in millidegrees Celsius.
 * Machines without sensors (most VMs) report none.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Temperature } from "@hakuriver/sdk"

/** Where Linux exposes device classes. */
export const defaultClassRoot = "/sys/class"

const readText = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8").trim()
  } catch {
    return undefined
  }
}

const list = (dir: string): ReadonlyArray<string> => {
  try {
    return fs.readdirSync(dir).sort()
  } catch {
    return []
  }
}

const celsius = (milli: string | undefined): number | undefined => {
  if (milli === undefined || !/^-?\d+$/.test(milli)) return undefined
  return Number(milli) / 1000
}

/**
 * Reads every temperature sensor under `root` (`/sys/class`).
 * @category probing
 */
export const readTemperatures = (root: string = defaultClassRoot): ReadonlyArray<Temperature> => {
  const out: Array<Temperature> = []
  const thermal = path.join(root, "thermal")
  for (const zone of list(thermal)) {
    if (!zone.startsWith("thermal_zone")) continue
    const value = celsius(readText(path.join(thermal, zone, "temp")))
    if (value === undefined) continue
    out.push(new Temperature({ label: readText(path.join(thermal, zone, "type")) ?? zone, celsius: value }))
  }
  const hwmon = path.join(root, "hwmon")
  for (const chip of list(hwmon)) {
    const dir = path.join(hwmon, chip)
    const name = readText(path.join(dir, "name")) ?? chip
    for (const file of list(dir)) {
      const m = /^temp(\d+)_input$/.exec(file)
      if (m === null) continue
      const value = celsius(readText(path.join(dir, file)))
      if (value === undefined) continue
      const label = readText(path.join(dir, `temp${m[1]}_label`)) ?? `temp${m[1]}`
      out.push(new Temperature({ label: `${name} ${label}`, celsius: value }))
    }
  }
  return out
}
