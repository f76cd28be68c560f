import {paymentStateAt} from '../model.js'
import {paymentUpdatedAt, renderDispute, renderPayment, renderRefund} from './render.js'
import type {SquareWorld} from './world.js'

/** One listable object at the current time: keys to filter and sort on, and its JSON on demand. */
export interface Row {
  id: string
  created: string
  updated: string
  location: string
  status: string
  sourceType: string
  render(): Record<string, unknown>
}

export type Listing = 'payments' | 'refunds' | 'disputes'
export type SortKey = 'created' | 'updated'

/** The rows visible at one instant, with each sort order computed once. */
export interface Snapshot {
  rows: Record<Listing, Row[]>
  sorted(listing: Listing, key: SortKey): Row[]
}

/**
 * Snapshots of the world, rebuilt only when needed: a snapshot stays valid until the clock passes the next
 * instant at which some object changes, so an emulator on a wall clock does not rebuild its lists on every request.
 */
export class Snapshots {
  private last: {at: string; version: number; snapshot: Snapshot} | null = null
  private changes: {version: number; times: string[]} | null = null

  constructor(private readonly world: SquareWorld) {}

  at(at: string): Snapshot {
    const {last} = this
    if (last && last.version === this.world.version && (last.at === at || this.unchangedBetween(last.at, at)))
      return last.snapshot
    const snapshot = buildSnapshot(this.world, at)
    this.last = {at, version: this.world.version, snapshot}
    return snapshot
  }

  /** Every instant at which some object changes, sorted. */
  private changeTimes(): string[] {
    const {version} = this.world
    if (this.changes && this.changes.version === version) return this.changes.times
    const times: string[] = []
    for (const {p} of this.world.records) {
      times.push(p.createdAt)
      if (p.settledAt) times.push(p.settledAt)
      for (const r of p.refunds) times.push(r.at)
      if (p.dispute) times.push(p.dispute.openedAt, ...(p.dispute.closedAt ? [p.dispute.closedAt] : []))
    }
    times.sort()
    this.changes = {version, times}
    return times
  }

  private unchangedBetween(from: string, to: string): boolean {
    if (to < from) return false
    const times = this.changeTimes()
    let lo = 0
    let hi = times.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((times[mid] as string) <= from) lo = mid + 1
      else hi = mid
    }
    return lo === times.length || (times[lo] as string) > to
  }
}

function buildSnapshot(world: SquareWorld, at: string): Snapshot {
  const rows: Record<Listing, Row[]> = {payments: [], refunds: [], disputes: []}
  const {seed} = world
  for (const rec of world.records) {
    const {p} = rec
    if (p.createdAt > at) continue
    const state = paymentStateAt(p, at)
    const common = {location: rec.locationId, sourceType: rec.sourceType}
    rows.payments.push({
      ...common,
      id: rec.id,
      created: p.createdAt,
      updated: paymentUpdatedAt(p, state),
      status: state.status,
      render: () => renderPayment(rec, at, seed),
    })
    for (const r of state.refunds) {
      rows.refunds.push({
        ...common,
        id: rec.refundIds.get(r.key) ?? '',
        created: r.at,
        updated: r.at,
        status: 'COMPLETED',
        render: () => renderRefund(rec, r),
      })
    }
    const dispute = renderDispute(rec, at, seed)
    if (dispute) {
      rows.disputes.push({
        ...common,
        id: String(dispute.id),
        created: String(dispute.created_at),
        updated: String(dispute.updated_at),
        status: String(dispute.state),
        render: () => dispute,
      })
    }
  }
  const sorted = new Map<string, Row[]>()
  return {
    rows,
    sorted(listing, key) {
      const name = `${listing}:${key}`
      let out = sorted.get(name)
      if (!out) {
        out = sortRows(rows[listing], (r) => r[key])
        sorted.set(name, out)
      }
      return out
    },
  }
}

/** Rows in (key, id) order: the order keyset pages walk. */
function sortRows(rows: readonly Row[], key: (r: Row) => string): Row[] {
  return [...rows].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })
}
