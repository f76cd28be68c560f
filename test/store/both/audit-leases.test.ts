import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {appendAudit, verifyAudit} from '../../../src/services/audit.js'
import {type LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {run, values, write} from '../../../src/store/ops/op.js'
import {acquireLease, getLease, releaseLease} from '../../../src/store/repos/leases.js'
import {queryAuditRows} from '../../../src/store/repos/audit.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type HandleUnderTest, handleEngines} from '../ops/engines.js'

const postgres = await testPostgres()

const HOUR = 3_600_000

describe.each(handleEngines(postgres))('the audit chain and leases on $engine', ({engine, skip, open}) => {
  let clockMs = Date.parse('2024-05-01T10:00:00.000Z')
  let ledger: HandleUnderTest
  beforeEach(async () => {
    clockMs = Date.parse('2024-05-01T10:00:00.000Z')
    if (skip === undefined) ledger = await open(() => clockMs)
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  const append = (handle: LedgerHandle, action: string, details: unknown = {}) =>
    handle.write(appendAudit.ops({actor: 'tester', action, outcome: 'ok', details}))

  describe.skipIf(skip !== undefined)('', () => {
    it('appends chained rows, redacted, and verifies them; a row edited behind its back is named', async () => {
      const first = await append(ledger.handle, 'providers.add', {api_key: 'sk_live_secret', note: 'ünïcode'})
      const second = await append(ledger.handle, 'sync.page', {items: 3})
      expect([first.seq, second.seq]).toEqual([1, 2])
      expect(second.prevHash).toBe(first.hash)
      expect(JSON.stringify(first.details)).not.toContain('sk_live_secret')
      expect(await ledger.handle.read(verifyAudit.ops())).toEqual({ok: true, rows: 2})
      const rows = await ledger.handle.read(queryAuditRows.ops({action: 'sync.*'}))
      expect(rows.map((r) => r.action)).toEqual(['sync.page'])
      expect(await ledger.handle.read(queryAuditRows.ops({limit: 1}))).toHaveLength(1)
    })

    it('a rolled-back transaction leaves no audit row and no gap', async () => {
      await expect(
        ledger.handle.write(
          (function* () {
            yield* appendAudit.ops({actor: 'tester', action: 'doomed', outcome: 'ok'})
            throw new Error('rolled back')
          })(),
        ),
      ).rejects.toThrow('rolled back')
      await append(ledger.handle, 'kept')
      expect(await ledger.handle.read(verifyAudit.ops())).toEqual({ok: true, rows: 1})
    })

    it('writers on several connections (hosts) append one chain: no fork, no gap, every row kept', async () => {
      const hosts = [ledger.handle, ledger.another(), ledger.another()]
      const perHost = 15
      // Each append holds its transaction open across a second statement, so on PostgreSQL they really overlap.
      await Promise.all(
        hosts.map((host, h) =>
          Promise.all(
            Array.from({length: perHost}, (_, i) =>
              host.write(
                (function* () {
                  yield* appendAudit.ops({actor: `host${h}`, action: 'sync.page', outcome: 'ok', details: {i}})
                  yield* values('SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1')
                })(),
              ),
            ),
          ),
        ),
      )
      expect(await ledger.handle.read(verifyAudit.ops())).toEqual({ok: true, rows: hosts.length * perHost})
      const actors = await ledger.handle.read(values<string>('SELECT actor FROM audit_log ORDER BY seq'))
      for (let h = 0; h < hosts.length; h++) expect(actors.filter((a) => a === `host${h}`)).toHaveLength(perHost)
    })

    it('verify names an altered row', async () => {
      await append(ledger.handle, 'one')
      await append(ledger.handle, 'two')
      if (engine === 'sqlite') {
        ledger.db!.raw.exec('DROP TRIGGER audit_log_no_update')
      } else {
        await ledger.handle.write(run('ALTER TABLE audit_log DISABLE TRIGGER USER'))
      }
      await ledger.handle.write(run("UPDATE audit_log SET outcome = 'error' WHERE seq = 2"))
      expect(await ledger.handle.read(verifyAudit.ops())).toMatchObject({ok: false, seq: 2, rows: 1})
    })

    it('a lease is held by one owner until it expires or is released; its own owner extends it', async () => {
      const a = await ledger.handle.write(acquireLease.ops('stripe', 'host-a', HOUR))
      expect(a).toMatchObject({acquired: true, lease: {owner: 'host-a', acquiredAt: '2024-05-01T10:00:00.000Z'}})
      clockMs += 60_000
      expect(await ledger.handle.write(acquireLease.ops('stripe', 'host-b', HOUR))).toMatchObject({
        acquired: false,
        lease: {owner: 'host-a'},
      })
      const renewed = await ledger.handle.write(acquireLease.ops('stripe', 'host-a', HOUR))
      expect(renewed.lease).toMatchObject({
        acquiredAt: '2024-05-01T10:00:00.000Z',
        expiresAt: '2024-05-01T11:01:00.000Z',
      })
      clockMs += 2 * HOUR
      const taken = await ledger.handle.write(acquireLease.ops('stripe', 'host-b', HOUR))
      expect(taken).toMatchObject({acquired: true, lease: {owner: 'host-b', acquiredAt: '2024-05-01T12:01:00.000Z'}})
      expect(await ledger.handle.write(releaseLease.ops('stripe', 'host-a'))).toBe(false)
      expect(await ledger.handle.write(releaseLease.ops('stripe', 'host-b'))).toBe(true)
      expect(await ledger.handle.read(getLease.ops('stripe'))).toBeNull()
    })

    it('hosts racing for an expired lease: exactly one wins', async () => {
      await ledger.handle.write(acquireLease.ops('retry', 'crashed', HOUR))
      clockMs += 2 * HOUR
      const hosts = Array.from({length: 6}, () => ledger.another())
      for (let round = 0; round < 5; round++) {
        const outcomes = await Promise.all(
          hosts.map((host, h) =>
            host.write(
              (function* () {
                const got = yield* acquireLease.ops('retry', `host-${round}-${h}`, HOUR)
                // Keep the transaction open a little longer so the racers overlap on PostgreSQL.
                yield* values('SELECT name FROM leases')
                return got
              })(),
            ),
          ),
        )
        const winners = outcomes.filter((o) => o.acquired)
        expect(winners).toHaveLength(1)
        expect(new Set(outcomes.map((o) => o.lease.owner))).toEqual(new Set([winners[0]!.lease.owner]))
        clockMs += 2 * HOUR
      }
    })

    it('acquiring a lease inside a caller’s transaction is undone with it', async () => {
      await expect(
        ledger.handle.write(
          (function* () {
            yield* write(acquireLease.ops('sync', 'host-a', HOUR))
            throw new Error('page refused')
          })(),
        ),
      ).rejects.toThrow('page refused')
      expect(await ledger.handle.read(getLease.ops('sync'))).toBeNull()
    })
  })
})
