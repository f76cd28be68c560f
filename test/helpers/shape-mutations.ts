import fc from 'fast-check'

/**
 * Values a hand-written shape check (src/core/checked-parse.ts) could get wrong: near misses of every type a schema
 * asks for, and anything else.
 */
const nearMiss = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'x',
  'EUR',
  'eur',
  'ch_1',
  'evt_1',
  'txn_1',
  'succeeded',
  'payment',
  '2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00.000Z',
  '2026-01-01 00:00:00',
  0,
  -1,
  1.5,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  {},
  [],
  {id: 'x'},
  {a: 'b'},
  {a: 1},
  Object.create(null) as unknown,
  JSON.parse('{"__proto__": {"a": "b"}}') as unknown,
)

const anyValue = fc.oneof(nearMiss, fc.anything())

/** A JSON-like object with one key (at some depth) set to a near miss, deleted, or added. */
export function mutationsOf(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths = keyPaths(base)
  return fc
    .tuple(fc.constantFrom(...paths), anyValue, fc.constantFrom('set', 'delete', 'extra'), fc.integer({min: 1, max: 3}))
    .chain(([first, value, how, times]) =>
      fc.array(fc.tuple(fc.constantFrom(...paths), anyValue), {maxLength: times - 1}).map((more) => {
        const copy = structuredClone(base)
        for (const [path, v] of [[first, value] as [string[], unknown], ...more]) apply(copy, path, v, how)
        return copy
      }),
    )
}

function keyPaths(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  const out: string[][] = [prefix]
  for (const [key, item] of Object.entries(value)) {
    out.push([...prefix, key])
    if (typeof item === 'object' && item !== null && !Array.isArray(item))
      out.push(...keyPaths(item as Record<string, unknown>, [...prefix, key]).slice(1))
  }
  return out
}

function apply(root: Record<string, unknown>, path: string[], value: unknown, how: string): void {
  let at: unknown = root
  for (const key of path.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return
    at = (at as Record<string, unknown>)[key]
  }
  if (typeof at !== 'object' || at === null) return
  const target = at as Record<string, unknown>
  const key = path.at(-1) ?? 'extra'
  if (how === 'delete') delete target[key]
  else if (how === 'extra') target[`${key}_extra`] = value
  else target[key] = value
}
