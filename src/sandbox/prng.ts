/**
 * Seeded randomness for the sandbox. sfc32 (small, fast, passes PractRand) seeded through splitmix32, so
 * neighbouring seeds give unrelated streams. `fork(label)` derives an independent stream, which keeps one
 * part of the world stable when another part changes size (more transactions do not reshuffle customers).
 */
export interface Rng {
  readonly seed: number
  /** Uniform in [0, 1) with 53 bits of resolution. */
  next(): number
  uint32(): number
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number
  chance(probability: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks by relative weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T
  /** Fisher–Yates in place; returns the same array. */
  shuffle<T>(items: T[]): T[]
  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string
  fork(label: string | number): Rng
}

/** FNV-1a over the parts' text, finished with a splitmix round: a stable 32-bit seed for a name. */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5
  const text = parts.join('\u001f')
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return splitmix32(h >>> 0)
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`)
  const normalized = Math.trunc(seed) >>> 0
  let a = splitmix32(normalized)
  let b = splitmix32(a)
  let c = splitmix32(b)
  let d = 1
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  // Warm-up: the first outputs of sfc32 still correlate with the seed.
  for (let i = 0; i < 12; i++) uint32()

  const next = (): number => ((uint32() >>> 5) * 67108864 + (uint32() >>> 6)) / 9007199254740992
  const rng: Rng = {
    seed: normalized,
    next,
    uint32,
    int(min, max) {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min)
        throw new RangeError(`bad integer range [${min}, ${max}]`)
      return min + Math.floor(next() * (max - min + 1))
    },
    chance: (probability) => next() < probability,
    pick(items) {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list')
      return items[Math.floor(next() * items.length)] as (typeof items)[number]
    },
    weighted(choices) {
      let total = 0
      for (const [, weight] of choices) total += weight
      let roll = next() * total
      for (const [value, weight] of choices) {
        if (roll < weight) return value
        roll -= weight
      }
      const last = choices[choices.length - 1]
      if (!last) throw new RangeError('cannot pick from an empty list')
      return last[0]
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        const tmp = items[i] as (typeof items)[number]
        items[i] = items[j] as (typeof items)[number]
        items[j] = tmp
      }
      return items
    },
    string(length, alphabet) {
      let out = ''
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)]
      return out
    },
    fork: (label) => createRng(hashSeed(normalized, label)),
  }
  return rng
}
