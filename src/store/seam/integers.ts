/**
 * Integers cross the seam as JS numbers, like the core's minor units. One beyond ±(2^53-1) would silently become
 * another number (better-sqlite3 rounds it; pg's default gives text), so it is refused instead, naming the column.
 */
export function unsafeInteger(column: string, value: string): Error {
  return new RangeError(
    `column "${column}" holds ${value}, beyond the exact range of a JS number (±${Number.MAX_SAFE_INTEGER}); ` +
      'amounts in minor units must be safe integers',
  )
}

/** An integer read from SQLite with safeIntegers on: a number, or the refusal. */
export function fromBigInt(column: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw unsafeInteger(column, value.toString())
  }
  return Number(value)
}
