// Where a CLI start spends its time, phase by phase, in one process (plain node, no tsx, so nothing extra loads):
//   YMS_PAY_HOME=/tmp/h node test/bench/startup-phases.mjs providers list
// Prints cumulative milliseconds since the process started for: @oclif/core import, Config.load, the command
// module import (and what it pulls in), and the command's run (database open, adapters, keychain, rendering).
// Plain JS on purpose: it measures the built dist/ exactly as bin/run.js would load it.
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {dirname, join} from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')
const marks = []
const mark = (label) => marks.push([label, performance.now()])
mark('node ready (script start)')

const {Config, settings} = await import('@oclif/core')
mark('@oclif/core imported')
settings.performanceEnabled = false
const config = await Config.load(join(root, 'bin/run.js'))
mark('Config.load (package.json, plugins, manifest)')
const argv = process.argv.slice(2)
const id = argv.slice(0, 2).join(':')
const cmd = config.findCommand(id)
if (!cmd) throw new Error(`no command ${id}`)
const Cmd = await cmd.load()
mark(`command module ${id} imported`)
const silent = process.stdout.write.bind(process.stdout)
process.stdout.write = () => true
try {
  await Cmd.run(argv.slice(2), config)
} finally {
  process.stdout.write = silent
}
mark('command run (db open, services, render)')

let prev = 0
for (const [label, t] of marks) {
  console.log(`${t.toFixed(1).padStart(8)} ms  (+${(t - prev).toFixed(1).padStart(6)})  ${label}`)
  prev = t
}
