#!/usr/bin/env node
import {existsSync, readFileSync} from 'node:fs'
import {arch, platform, release} from 'node:os'

// `--version` without loading @oclif/core (about 70 ms of module loading, more than node's own start): the same
// line oclif prints (config.userAgent) for the same flags (--version, plus pjson.oclif.additionalVersionFlags).
// WSL, where oclif reports the platform as "wsl", is left to oclif rather than re-implementing its detection.
function versionLine() {
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const flags = new Set(['--version', ...(pjson.oclif?.additionalVersionFlags ?? [])])
  if (!flags.has(process.argv[2])) return null
  if (
    platform() === 'linux' &&
    (release().toLowerCase().includes('microsoft') ||
      procVersion().includes('microsoft') ||
      existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') ||
      existsSync('/run/WSL'))
  )
    return null
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pjson.name}/${pjson.version || '0.0.0'} ${platform()}-${cpu} node-${process.version}`
}

function procVersion() {
  try {
    return readFileSync('/proc/version', 'utf8').toLowerCase()
  } catch {
    return ''
  }
}

const version = process.argv.length > 2 && process.argv[2].startsWith('-') ? versionLine() : null
if (version === null) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
} else {
  process.stdout.write(`${version}\n`)
}
