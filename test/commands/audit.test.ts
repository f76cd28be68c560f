import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {run as sql} from '../../src/store/ops/op.js'
import {homeWrite} from '../helpers/home-ledger.js'
import {run, stripeEnv, tempHome} from './helpers.js'
import {AuditList, AuditRow, AuditVerify, ErrorJson} from './shapes.js'

describe('audit list / export / verify', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  const env = stripeEnv('acme')
  const list = async (flags: string[]) =>
    AuditList.parse((await run(['audit', 'list', ...flags, '--json'], {home, env})).json()).rows

  // Four changes by three actors: --actor, YMS_PAY_ACTOR, and --actor again.
  beforeAll(async () => {
    for (const [args, extra] of [
      [['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR', '--actor', 'alice'], {}],
      [['fx', 'set', 'EUR', 'USD', '1.08', '--date', '2026-11-25'], {YMS_PAY_ACTOR: 'bob'}],
      [['providers', 'add', 'acme', '--kind', 'stripe', '--actor', 'carol'], {}],
      [['providers', 'grant', 'acme', '--segment', 'retail', '--actor', 'carol'], {}],
    ] as const) {
      const r = await run([...args], {home, env: {...env, ...extra}})
      expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    }
  })

  it('audit list: every row in the order written, each naming who acted', async () => {
    const rows = await list([])
    expect(rows.map((r) => [r.seq, r.action, r.actor, r.provider, r.subject])).toEqual([
      [1, 'site.add', 'alice', null, 'berlin'],
      [2, 'fx.set', 'bob', null, 'EUR/USD'],
      [3, 'provider.add', 'carol', 'acme', 'acme'],
      [4, 'provider.grant', 'carol', 'acme', 'retail@*'],
    ])
    // Each row chains to the one before it.
    rows.slice(1).forEach((r, i) => expect(r.prevHash).toBe(rows[i]!.hash))
  })

  it.each([
    [['--action', 'fx.set'], [2]],
    [
      ['--action', 'provider.*'],
      [3, 4],
    ],
    [
      ['--actor', 'carol'],
      [3, 4],
    ],
    [
      ['--provider', 'acme'],
      [3, 4],
    ],
    [
      ['--limit', '2'],
      [3, 4],
    ],
    [['--actor', 'carol', '--limit', '1'], [4]],
    [
      ['--since', '2000-01-01'],
      [1, 2, 3, 4],
    ],
    [['--since', '2999-01-01'], []],
  ])('audit list %j selects rows %j', async (flags, seqs) => {
    expect((await list(flags)).map((r) => r.seq)).toEqual(seqs)
  })

  // --since is compared as text against the stored ISO times: unparsed, "yesterday" (which sorts after every
  // "2026-…") would select nothing and exit 0. It goes through the one time parser, as transactions list's does.
  it('audit list --since that is not an ISO time exits 2', async () => {
    const r = await run(['audit', 'list', '--since', 'yesterday', '--json'], {home})
    expect(r.exitCode).toBe(2)
  })

  it('audit export streams every row: JSON lines by default, CSV with --format csv', async () => {
    const jsonl = await run(['audit', 'export'], {home})
    expect(jsonl.exitCode).toBe(0)
    const lines = jsonl.stdout
      .trimEnd()
      .split('\n')
      .map((l) => AuditRow.parse(JSON.parse(l)))
    expect(lines).toEqual(await list([]))

    const csv = await run(['audit', 'export', '--format', 'csv'], {home})
    expect(csv.exitCode).toBe(0)
    const records = csv.stdout.trimEnd().split('\r\n')
    expect(records[0]).toBe('seq,at,actor,action,provider,subject,outcome,details,prev_hash,hash')
    // seq, at, actor and action hold no commas, so the first four cells split plainly.
    const cells = records.slice(1).map((r) => r.split(','))
    expect(cells.map(([seq, , actor, action]) => `${seq} ${actor} ${action}`)).toEqual([
      '1 alice site.add',
      '2 bob fx.set',
      '3 carol provider.add',
      '4 carol provider.grant',
    ])
  })

  it('audit verify: an intact chain exits 0 with the row count', async () => {
    const r = await run(['audit', 'verify', '--json'], {home})
    expect(r.exitCode).toBe(0)
    expect(AuditVerify.parse(r.json())).toEqual({ok: true, rows: 4})
  })

  it.each([
    [['audit', 'list', '--limit', '0'], /--limit/],
    [['audit', 'list', '--limit', 'all'], /--limit/],
    [['audit', 'verify', '--deep'], /--deep/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })

  it('audit export --json streams the same JSON lines, and under --json an error is a JSON object on stdout', async () => {
    const json = await run(['audit', 'export', '--json'], {home})
    expect(json.exitCode).toBe(0)
    expect(json.stdout).toBe((await run(['audit', 'export'], {home})).stdout)

    const both = await run(['audit', 'export', '--json', '--format', 'csv'], {home})
    expect(both.exitCode).toBe(2)
    expect(ErrorJson.parse(both.json()).error.message).toMatch(/--json.*--format csv/)
    const xml = await run(['audit', 'export', '--format', 'xml', '--json'], {home})
    expect(xml.exitCode).toBe(2)
    expect(ErrorJson.parse(xml.json()).error.message).toMatch(/xml/)
  })

  it('audit export takes only csv or jsonl', async () => {
    const r = await run(['audit', 'export', '--format', 'xml'], {home})
    expect(r.exitCode).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/xml/)
  })

  // Last: it breaks the chain of this home.
  it("audit verify: a row edited behind the log's back exits 1 naming it", async () => {
    // The append-only trigger is the first line of defence; the hash chain is what catches someone who drops it.
    await homeWrite(
      home,
      (function* () {
        yield* sql({
          sqlite: 'DROP TRIGGER audit_log_no_update',
          postgres: 'DROP TRIGGER audit_log_no_update ON audit_log',
        })
        yield* sql(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`)
      })(),
    )
    const r = await run(['audit', 'verify', '--json'], {home})
    expect(r.exitCode).toBe(1)
    expect(AuditVerify.parse(r.json())).toMatchObject({ok: false, seq: 3})
  })
})
