import {readFileSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {raiseAlert} from '../../../src/services/alerts/raise.js'
import {rotateAlertSecret} from '../../../src/services/alerts/rotate.js'
import {
  addAlertTarget,
  listAlertTargets,
  removeAlertTarget,
  type AddTargetInput,
} from '../../../src/services/alerts/targets.js'
import {testAlertTarget} from '../../../src/services/alerts/test-target.js'
import {flushAlerts} from '../../../src/services/alerts/flush.js'
import {storeId} from '../../../src/store/repos/store-identity.js'
import {alertReceiver, alertsHome, secretOf} from './helpers.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

function setUp() {
  const h = alertsHome()
  cleanups.push(h.cleanup)
  const add = (input: Partial<AddTargetInput> & {id: string}) =>
    addAlertTarget(
      sqliteHandle(h.db),
      h.ctx,
      {format: 'standard', url: 'https://alerts.example.test/yms', secrets: {secret: secretOf(1)}, ...input},
      h.store,
    )
  return {...h, add}
}

/** Everything SQLite has on disk for this ledger, WAL included: no secret may be in it. */
function ledgerBytes(h: ReturnType<typeof setUp>): string {
  h.db.raw.pragma('wal_checkpoint(TRUNCATE)')
  return readFileSync(h.ctx.home.dbFile).toString('latin1')
}

describe('alert targets', () => {
  it('a standard target keeps its signing secret in the keychain under alert:<id>, never in the ledger or the audit', async () => {
    const h = setUp()
    const view = await h.add({id: 'ops', events: 'gateway_down,sync_failed'})
    expect(view).toMatchObject({
      id: 'ops',
      format: 'standard',
      url: 'https://alerts.example.test/yms',
      events: ['gateway_down', 'sync_failed'],
      enabled: true,
      secrets: [{field: 'secret', source: 'keychain', envVar: 'YMS_PAY_SECRET_ALERT_OPS_SECRET'}],
      deliveries: {pending: 0, delivered: 0, failed: 0},
    })
    expect(h.store.get('alert:ops', 'secret')).toBe(secretOf(1))
    expect(ledgerBytes(h)).not.toContain(secretOf(1))
    const audit = h.db.raw.prepare(`SELECT details_json FROM audit_log WHERE action = 'alert.add'`).pluck().get()
    expect(JSON.parse(audit as string)).toMatchObject({format: 'standard', keychainFieldsStored: ['secret']})
    expect(storeId(h.db)).toMatch(/-/)
  })

  it.each([
    [{url: null}, /--url is required/],
    [{url: 'http://alerts.example.test/yms'}, /plain http to alerts.example.test/],
    [{url: 'https://user:pw@alerts.example.test/'}, /user name or password/],
    [{secrets: {secret: 'not-a-whsec'}}, /starts with whsec_/],
    [{secrets: {}}, /no signing secret: set YMS_PAY_SECRET_ALERT_OPS_SECRET/],
    [{events: 'gateway_down,payday'}, /unknown event "payday"/],
    [{id: 'ops/eu'}, /not valid/],
  ] as const)('refuses %j with nothing stored', async (input, message) => {
    const h = setUp()
    await expect(h.add({id: 'ops', ...input})).rejects.toThrow(message)
    expect(h.db.raw.prepare('SELECT COUNT(*) FROM alert_targets').pluck().get()).toBe(0)
    expect(h.store.get('alert:ops', 'secret')).toBeUndefined()
  })

  it('refuses an id taken, or one that would read another target’s variables', async () => {
    const h = setUp()
    await h.add({id: 'ops.eu'})
    await expect(h.add({id: 'ops.eu'})).rejects.toThrow(/already exists/)
    await expect(h.add({id: 'OPS_EU'})).rejects.toThrow(/same secret variable as "ops.eu"/)
    // "ops" signs with YMS_PAY_SECRET_ALERT_OPS_PREVIOUS_SECRET during a rotation; "ops.previous" would read it.
    await h.add({id: 'ops'})
    await expect(h.add({id: 'ops.previous'})).rejects.toThrow(/YMS_PAY_SECRET_ALERT_OPS_PREVIOUS_SECRET/)
  })

  it('a slack target keeps its URL (a credential) in the keychain; the ledger and list show it masked', async () => {
    const h = setUp()
    const hook = 'https://hooks.slack.example.test/services/T000/B000/XXXXsecretXXXX'
    const view = await h.add({id: 'oncall', format: 'slack', url: null, secrets: {url: hook}})
    expect(view).toMatchObject({
      url: 'https://hooks.slack.example.test/***',
      events: expect.not.arrayContaining(['balance_changed']),
      secrets: [{field: 'url', source: 'keychain'}],
    })
    expect(h.store.get('alert:oncall', 'url')).toBe(hook)
    expect(ledgerBytes(h)).not.toContain('XXXXsecretXXXX')
    await expect(
      h.add({id: 'bad', format: 'slack', url: null, secrets: {url: 'ftp://x/XXXXsecretXXXX'}}),
    ).rejects.toThrow(expect.objectContaining({message: expect.not.stringContaining('XXXXsecretXXXX')}))
  })

  it('a rotation signs with both secrets until the overlap ends, then with the new one alone', async () => {
    const h = setUp()
    const [before, after] = [secretOf(1), secretOf(2)]
    const rx = await alertReceiver([before])
    const rxNew = await alertReceiver([after])
    cleanups.push(rx.close, rxNew.close)
    await h.add({id: 'ops', url: rx.url, secrets: {secret: before}})
    const view = await rotateAlertSecret(
      sqliteHandle(h.db),
      h.ctx,
      'ops',
      async () => after,
      {overlapMs: 3_600_000},
      h.store,
    )
    const endsIn = Date.parse(view.rotationEndsAt!) - Date.now()
    expect(endsIn).toBeGreaterThan(3_590_000)
    expect(endsIn).toBeLessThanOrEqual(3_600_000)
    expect(view.secrets.map((s) => s.field)).toEqual(['secret', 'previous_secret'])

    const raise = () =>
      raiseAlert(h.db, {event: 'gateway_down', subject: 'p', provider: 'p', data: {}, at: new Date().toISOString()})
    raise()
    await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    // The receiver still holding the old secret verifies; one holding the new one would too.
    expect(rx.received).toHaveLength(1)
    expect(rx.received[0]!.verified).toBe(true)
    expect(rx.received[0]!.signature.split(' ')).toHaveLength(2)

    // The overlap over: only the new secret signs.
    h.db.raw.prepare(`UPDATE alert_targets SET url = ?, rotation_ends_at = ?`).run(rxNew.url, new Date(0).toISOString())
    raise()
    await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    expect(rxNew.received).toHaveLength(1)
    expect(rxNew.received[0]!.verified).toBe(true)
    expect(rxNew.received[0]!.signature.split(' ')).toHaveLength(1)
    expect(ledgerBytes(h)).not.toContain(after)
  })

  it('alerts test sends one signed test message now, audited, and keeps nothing in the outbox', async () => {
    const h = setUp()
    const rx = await alertReceiver([secretOf(1)])
    cleanups.push(rx.close)
    await h.add({id: 'ops', url: rx.url})
    const result = await testAlertTarget(sqliteHandle(h.db), h.ctx, 'ops', {}, h.store)
    expect(result).toMatchObject({id: 'ops', status: 200, delivered: true, error: null})
    expect(rx.received[0]).toMatchObject({verified: true, id: result.messageId, payload: {type: 'test'}})
    expect(h.db.raw.prepare('SELECT COUNT(*) FROM alerts_outbox').pluck().get()).toBe(0)
    expect(h.db.raw.prepare(`SELECT outcome FROM audit_log WHERE action = 'alert.test'`).pluck().get()).toBe('ok')
  })

  it('remove deletes the target, its waiting deliveries and its keychain entries, and says what was dropped', async () => {
    const h = setUp()
    await h.add({id: 'ops'})
    raiseAlert(h.db, {event: 'gateway_down', subject: 'p', provider: 'p', data: {}, at: new Date().toISOString()})
    expect((await listAlertTargets(sqliteHandle(h.db), h.ctx, h.store))[0]!.deliveries.pending).toBe(1)
    expect(await removeAlertTarget(sqliteHandle(h.db), h.ctx, 'ops', h.store)).toEqual({
      id: 'ops',
      removed: true,
      pendingDropped: 1,
      secretsDeleted: ['secret'],
    })
    expect(h.store.get('alert:ops', 'secret')).toBeUndefined()
    expect(h.db.raw.prepare('SELECT COUNT(*) FROM alert_deliveries').pluck().get()).toBe(0)
    expect(await listAlertTargets(sqliteHandle(h.db), h.ctx, h.store)).toEqual([])
  })
})
