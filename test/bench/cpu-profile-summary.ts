import {readFileSync} from 'node:fs'

/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per package or project file, and the heaviest
 * functions. Usage: npx tsx test/bench/cpu-profile-summary.ts <file.cpuprofile> [topN]
 */
interface ProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number}
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** `node_modules/<pkg>` (scoped too), a project file under dist/ or src/, or node internals. */
export function ownerOf(url: string): string {
  if (url === '') return '(native/gc/idle)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/')
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  const m = /\/(dist|src|bin|test)\/(.*)$/.exec(url)
  if (m) return `${m[1]}/${m[2]}`
  if (url.startsWith('node:')) return 'node:internal'
  return url
}

export function summarize(profile: Profile): {
  totalMs: number
  byOwner: [string, number][]
  byFunction: [string, number][]
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const owners = new Map<string, number>()
  const fns = new Map<string, number>()
  let total = 0
  for (const [id, us] of self) {
    const node = byId.get(id)!
    const {functionName, url, lineNumber} = node.callFrame
    total += us
    const owner = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : ownerOf(url)
    owners.set(owner, (owners.get(owner) ?? 0) + us)
    const fn = `${functionName || '(anonymous)'} ${ownerOf(url)}:${lineNumber + 1}`
    fns.set(fn, (fns.get(fn) ?? 0) + us)
  }
  const sort = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000] as [string, number])
  return {totalMs: total / 1000, byOwner: sort(owners), byFunction: sort(fns)}
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]
  if (!file) {
    console.error('usage: cpu-profile-summary.ts <file.cpuprofile> [topN]')
    process.exit(2)
  }
  const top = Number(process.argv[3] ?? 25)
  const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile)
  console.log(`sampled ${s.totalMs.toFixed(1)} ms`)
  console.log('\nself time by package / file:')
  for (const [k, v] of s.byOwner.slice(0, top)) console.log(`${v.toFixed(1).padStart(9)} ms  ${k}`)
  console.log('\nheaviest functions (self):')
  for (const [k, v] of s.byFunction.slice(0, top)) console.log(`${v.toFixed(1).padStart(9)} ms  ${k}`)
}
