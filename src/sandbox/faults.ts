import type {ServerResponse} from 'node:http'

import {UsageError} from '../core/errors.js'
import {
  resetSocket,
  type EmulatorRequest,
  type EmulatorResponse,
  type GatewayEmulator,
  type RequestHandler,
} from './emulator.js'
import {createRng} from './prng.js'

/**
 * Sandbox fault injection (`sandbox serve --faults rate=0.05,kinds=500,429,timeout,reset,truncated,duplicate,reorder`).
 * `duplicate` also delivers a webhook twice; `reorder` only shapes webhook delivery (one after the next).
 * Each emulator draws from its own seeded stream, so a seed replays the same fault sequence for the same
 * sequence of requests.
 */
export const FAULT_KINDS = ['500', '429', 'timeout', 'reset', 'truncated', 'duplicate', 'reorder'] as const
/**
 * Faults that happen after the gateway processed the request (a charge made, its key stored) and lose its answer:
 * never answered, or the connection reset. Used only when named (`kinds=lost-timeout,lost-reset`), never by `all`,
 * so existing seeds draw the same sequences.
 */
export const LOST_KINDS = ['lost-timeout', 'lost-reset'] as const
export type FaultKind = (typeof FAULT_KINDS)[number] | (typeof LOST_KINDS)[number]
const NAMED_KINDS: readonly FaultKind[] = [...FAULT_KINDS, ...LOST_KINDS]

/** Kinds that only shape webhook delivery (webhook-delivery.ts): requests to the emulator never draw them. */
const WEBHOOK_ONLY: readonly FaultKind[] = ['reorder']

export interface FaultSpec {
  rate: number // probability per request, 0..1
  kinds: FaultKind[]
}

export const NO_FAULTS: FaultSpec = {rate: 0, kinds: []}

const SPEC_HINT = 'expected e.g. rate=0.05,kinds=500,429,timeout,reset,truncated,duplicate,reorder'

function isFaultKind(value: string): value is FaultKind {
  return (NAMED_KINDS as readonly string[]).includes(value)
}

/** `rate=0.05,kinds=500,429` (kinds default to all; `none` or an empty spec means no faults). */
export function parseFaultSpec(spec: string): FaultSpec {
  const text = spec.trim()
  if (text === '' || text === 'none') return {...NO_FAULTS, kinds: []}
  let rate: number | null = null
  let kinds: FaultKind[] | null = null
  let listKey: 'kinds' | null = null
  for (const rawPart of text.split(',')) {
    const part = rawPart.trim()
    if (part === '') throw new UsageError(`--faults: empty item in "${spec}"`, SPEC_HINT)
    const eq = part.indexOf('=')
    if (eq === -1) {
      // A bare item continues the kinds list: kinds=500,429 splits on the same comma as the keys.
      if (listKey !== 'kinds' || !kinds) throw new UsageError(`--faults: "${part}" is not key=value`, SPEC_HINT)
      kinds.push(parseKind(part))
      continue
    }
    const name = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (name === 'rate') {
      if (rate !== null) throw new UsageError('--faults: rate given twice', SPEC_HINT)
      rate = parseRate(value)
      listKey = null
    } else if (name === 'kinds') {
      if (kinds !== null) throw new UsageError('--faults: kinds given twice', SPEC_HINT)
      kinds = value === 'all' ? [...FAULT_KINDS] : [parseKind(value)]
      listKey = 'kinds'
    } else {
      throw new UsageError(`--faults: unknown key "${name}" (known: rate, kinds)`, SPEC_HINT)
    }
  }
  if (rate === null) throw new UsageError('--faults: rate is missing', SPEC_HINT)
  const unique = [...new Set(kinds ?? FAULT_KINDS)]
  return {rate, kinds: unique}
}

function parseKind(value: string): FaultKind {
  if (!isFaultKind(value))
    throw new UsageError(`--faults: unknown fault kind "${value}" (known: ${NAMED_KINDS.join(', ')})`, SPEC_HINT)
  return value
}

function parseRate(value: string): number {
  const percent = value.endsWith('%')
  const number = percent ? value.slice(0, -1) : value
  if (!/^\d+(\.\d+)?$/.test(number)) throw new UsageError(`--faults: rate "${value}" is not a number`, SPEC_HINT)
  const rate = Number(number) / (percent ? 100 : 1)
  if (rate > 1) throw new UsageError(`--faults: rate "${value}" is above 1 (100%)`, SPEC_HINT)
  return rate
}

/** A seeded sequence of fault decisions. Every draw consumes the same amount of randomness. */
export interface FaultStream {
  draw(): FaultKind | null
}

export function faultStream(spec: FaultSpec, seed: number, label: string): FaultStream {
  const rng = createRng(seed).fork(`faults:${label}`)
  return {
    draw() {
      const hit = rng.next() < spec.rate
      const index = Math.floor(rng.next() * spec.kinds.length)
      return hit && spec.kinds.length > 0 ? (spec.kinds[index] ?? null) : null
    },
  }
}

export interface FaultInjectorOptions {
  spec: FaultSpec
  seed: number
  /** Longest a `timeout` fault holds a request before answering normally. */
  holdMs?: number
  onFault?: (kind: FaultKind, req: EmulatorRequest) => void
}

export interface FaultInjector {
  handler: RequestHandler
  counts: Record<FaultKind, number>
  /** Ends every held request at once (call before closing the server). */
  release(): void
}

/** The header an emulator sees when the drawn fault is `duplicate`: it may repeat an item on a list page. */
export const DUPLICATE_HINT_HEADER = 'x-sandbox-fault'

const jsonError = (
  status: number,
  kind: string,
  message: string,
  extra: Record<string, string> = {},
): EmulatorResponse => ({
  status,
  headers: {'content-type': 'application/json', 'x-sandbox-fault': kind, ...extra},
  body: JSON.stringify({error: {type: kind === '429' ? 'rate_limited' : 'internal_error', message}}),
})

function bodyBuffer(response: EmulatorResponse): Buffer {
  return typeof response.body === 'string' ? Buffer.from(response.body) : response.body
}

function writeTruncated(res: ServerResponse, response: EmulatorResponse): void {
  const body = bodyBuffer(response)
  const half = body.subarray(0, Math.floor(body.length / 2))
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': String(body.length),
    'x-sandbox-fault': 'truncated',
  })
  // Destroy only once the half body is on the wire, so the client sees a short body rather than no response.
  res.write(half.length > 0 ? half : ' ', () => res.destroy())
}

export function injectFaults(emulator: GatewayEmulator, opts: FaultInjectorOptions): FaultInjector {
  const requestKinds = opts.spec.kinds.filter((k) => !WEBHOOK_ONLY.includes(k))
  const stream = faultStream({...opts.spec, kinds: requestKinds}, opts.seed, emulator.kind)
  const holdMs = opts.holdMs ?? 10_000
  const holds = new Set<() => void>()
  const counts = Object.fromEntries(NAMED_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>

  const hold = (res: ServerResponse): Promise<'elapsed' | 'released'> =>
    new Promise((resolve) => {
      const finish = (how: 'elapsed' | 'released'): void => {
        clearTimeout(timer)
        holds.delete(release)
        res.off('close', onClose)
        resolve(how)
      }
      const release = (): void => finish('released')
      const onClose = (): void => finish('released')
      const timer = setTimeout(() => finish('elapsed'), holdMs)
      timer.unref()
      holds.add(release)
      res.on('close', onClose)
    })

  const handler: RequestHandler = async (req, raw) => {
    const fault = emulator.faultable && !emulator.faultable(req) ? null : stream.draw()
    if (fault === null) return emulator.handle(req)
    counts[fault]++
    opts.onFault?.(fault, req)
    switch (fault) {
      case '500':
        return jsonError(500, '500', 'sandbox fault: internal server error')
      case '429':
        return jsonError(429, '429', 'sandbox fault: too many requests', {'retry-after': '1'})
      case 'reset':
        resetSocket(raw.res)
        return null
      case 'truncated':
        writeTruncated(raw.res, await emulator.handle(req))
        return null
      case 'timeout': {
        const how = await hold(raw.res)
        if (how === 'released') {
          raw.res.destroy()
          return null
        }
        return emulator.handle(req)
      }
      case 'duplicate':
        return emulator.handle({...req, headers: {...req.headers, [DUPLICATE_HINT_HEADER]: 'duplicate'}})
      case 'lost-timeout':
        return {...(await emulator.handle(req)), lost: 'timeout'}
      case 'lost-reset':
        return {...(await emulator.handle(req)), lost: 'reset'}
      case 'reorder':
        return emulator.handle(req) // never drawn for a request (WEBHOOK_ONLY)
    }
  }

  return {
    handler,
    counts,
    release() {
      for (const release of [...holds]) release()
    },
  }
}
