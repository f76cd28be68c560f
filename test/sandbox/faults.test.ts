import {Agent, request} from 'undici'
import {afterAll, describe, expect, it} from 'vitest'

import {UsageError} from '../../src/core/errors.js'
import {serveHandler, type RunningServer} from '../../src/sandbox/emulator.js'
import {FAULT_KINDS, injectFaults, parseFaultSpec, type FaultSpec} from '../../src/sandbox/faults.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {fakeEmulator} from './fake-emulator.js'

describe('parseFaultSpec', () => {
  it('reads a rate and a comma-separated list of kinds', () => {
    expect(parseFaultSpec('rate=0.05,kinds=500,429,timeout,reset,truncated,duplicate,reorder')).toEqual({
      rate: 0.05,
      kinds: [...FAULT_KINDS],
    })
    expect(parseFaultSpec('kinds=reset,500,rate=0.2')).toEqual({rate: 0.2, kinds: ['reset', '500']})
    expect(parseFaultSpec('rate=10%')).toEqual({rate: 0.1, kinds: [...FAULT_KINDS]})
    expect(parseFaultSpec('rate=1,kinds=all').kinds).toEqual([...FAULT_KINDS])
    expect(parseFaultSpec('')).toEqual({rate: 0, kinds: []})
    expect(parseFaultSpec('none')).toEqual({rate: 0, kinds: []})
  })

  it.each([
    ['rate=0.1,kinds=500,explode', /unknown fault kind "explode"/],
    ['rate=abc', /rate "abc" is not a number/],
    ['rate=1.5', /rate "1.5" is above 1/],
    ['rate=-0.1', /rate "-0.1" is not a number/],
    ['kinds=500', /rate is missing/],
    ['rate=0.1,speed=2', /unknown key "speed"/],
    ['rate=0.1,500', /"500" is not key=value/],
    ['rate=0.1,,kinds=500', /empty item/],
    ['rate=0.1,rate=0.2', /rate given twice/],
  ])('rejects %s naming the bad part', (spec, message) => {
    const attempt = (): unknown => parseFaultSpec(spec)
    expect(attempt).toThrow(UsageError)
    expect(attempt).toThrow(message)
  })
})

type Outcome = string

const servers: RunningServer[] = []
const agents: Agent[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
  await Promise.all(agents.map((a) => a.close()))
})

async function faulty(
  spec: FaultSpec,
  seed: number,
  opts: {holdMs?: number; faultable?: (req: {path: string}) => boolean} = {},
) {
  const emulator = fakeEmulator(
    generateScenario({
      seed: 1,
      customers: 20,
      transactions: 200,
      start: '2025-01-01T00:00:00.000Z',
      end: '2025-02-01T00:00:00.000Z',
    }),
    {
      faultable: opts.faultable,
    },
  )
  const injector = injectFaults(emulator, {spec, seed, holdMs: opts.holdMs})
  const server = await serveHandler(injector.handler)
  servers.push(server)
  return {emulator, injector, server}
}

/** What a real undici client observes for one request. */
async function observe(baseUrl: string, path = '/ping', timeoutMs = 5_000): Promise<Outcome> {
  const agent = new Agent({headersTimeout: timeoutMs, bodyTimeout: timeoutMs})
  agents.push(agent)
  let response
  try {
    // Like src/gateways/http.ts: the deadline is an abort signal (undici's own timers are coarse).
    response = await request(baseUrl + path, {dispatcher: agent, signal: AbortSignal.timeout(timeoutMs)})
  } catch (error) {
    const e = error as Error & {code?: string}
    return `no-response:${e.name === 'TimeoutError' ? e.name : (e.code ?? e.name)}`
  }
  try {
    const body = await response.body.text()
    JSON.parse(body)
    if (response.statusCode === 429) return `429 retry-after=${String(response.headers['retry-after'])}`
    return String(response.statusCode)
  } catch (error) {
    return `broken-body:${response.statusCode}:${(error as {code?: string}).code ?? (error as Error).name}`
  }
}

describe('fault injection over loopback', () => {
  it('makes a real client see 500s, 429s with Retry-After, resets and truncated bodies', async () => {
    const {server, injector} = await faulty({rate: 0.6, kinds: ['500', '429', 'reset', 'truncated']}, 42)
    const outcomes: Outcome[] = []
    for (let i = 0; i < 60; i++) outcomes.push(await observe(server.baseUrl))
    const kinds = new Set(outcomes.map((o) => o.split(':')[0]))
    expect(kinds).toEqual(new Set(['200', '500', '429 retry-after=1', 'no-response', 'broken-body']))
    // Truncation happens after a 200 head with the full length promised.
    expect(outcomes.filter((o) => o.startsWith('broken-body')).every((o) => o.startsWith('broken-body:200:'))).toBe(
      true,
    )
    expect(outcomes.filter((o) => o === '500').length).toBe(injector.counts['500'])
    expect(outcomes.filter((o) => o.startsWith('429')).length).toBe(injector.counts['429'])
    expect(outcomes.filter((o) => o.startsWith('no-response')).length).toBe(injector.counts.reset)
    expect(outcomes.filter((o) => o.startsWith('broken-body')).length).toBe(injector.counts.truncated)
    const faulted = 60 - outcomes.filter((o) => o === '200').length
    expect(faulted).toBeGreaterThan(20)
    expect(faulted).toBeLessThan(52)
  })

  it('replays the same fault sequence for the same seed, and another for another seed', async () => {
    const spec: FaultSpec = {rate: 0.5, kinds: ['500', '429', 'reset', 'truncated']}
    const run = async (seed: number): Promise<Outcome[]> => {
      const {server} = await faulty(spec, seed)
      const out: Outcome[] = []
      for (let i = 0; i < 30; i++) out.push((await observe(server.baseUrl)).split(':')[0]!)
      return out
    }
    const first = await run(7)
    expect(await run(7)).toEqual(first)
    expect(await run(8)).not.toEqual(first)
  })

  it('holds a request past the client timeout, then answers if the client still waits', async () => {
    const {server} = await faulty({rate: 1, kinds: ['timeout']}, 1, {holdMs: 600})
    expect(await observe(server.baseUrl, '/ping', 150)).toBe('no-response:TimeoutError')
    const started = Date.now()
    expect(await observe(server.baseUrl, '/ping', 5_000)).toBe('200')
    expect(Date.now() - started).toBeGreaterThanOrEqual(550)
  })

  it('releases held requests at once when the server closes', async () => {
    const {server, injector} = await faulty({rate: 1, kinds: ['timeout']}, 1, {holdMs: 10_000})
    const pending = observe(server.baseUrl, '/ping', 20_000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    injector.release()
    await server.close()
    expect(await pending).toMatch(/^no-response:/)
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('passes the duplicate hint to the emulator, which may repeat a list item', async () => {
    const {server, emulator} = await faulty({rate: 1, kinds: ['duplicate']}, 1)
    const response = await request(`${server.baseUrl}/items`)
    const {data} = (await response.body.json()) as {data: {id: string}[]}
    expect(data.length).toBeGreaterThan(1)
    expect(data.at(-1)).toEqual(data[0])
    expect(emulator.seen[0]!.headers['x-sandbox-fault']).toBe('duplicate')
  })

  it('never draws reorder for a request: it only shapes webhook delivery', async () => {
    const {server, injector} = await faulty({rate: 1, kinds: ['reorder']}, 1)
    for (let i = 0; i < 5; i++) expect(await observe(server.baseUrl, '/ping')).toBe('200')
    expect(injector.counts.reorder).toBe(0)
  })

  it('never faults a request the emulator exempts', async () => {
    const {server} = await faulty({rate: 1, kinds: ['500']}, 1, {faultable: (req) => req.path !== '/oauth/token'})
    expect(await observe(server.baseUrl, '/oauth/token')).toBe('200')
    expect(await observe(server.baseUrl, '/ping')).toBe('500')
  })
})
