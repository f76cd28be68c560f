import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {serveEmulator, type RunningServer} from '../../src/sandbox/emulator.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {run as sql} from '../../src/store/ops/op.js'
import {runCli, tempHome} from '../helpers/cli.js'
import {homeWrite, storedText} from '../helpers/home-ledger.js'
import {secretServiceStatus} from '../helpers/keyring-available.js'

const keychain = secretServiceStatus()
if (!keychain.available) console.warn(`[skip] keychain round trip through the CLI skipped: ${keychain.reason}`)

describe('providers and their secrets, through the built binary', () => {
  let server: RunningServer
  let secrets: Record<string, string>
  const home = tempHome()
  const id = `e2e-${process.pid}`
  const envName = `YMS_PAY_SECRET_E2E_${process.pid}_API_KEY`

  beforeAll(async () => {
    const now = Date.now()
    const scenario = generateScenario({
      seed: 3,
      customers: 5,
      transactions: 20,
      start: new Date(now - 5 * 86_400_000).toISOString(),
      end: new Date(now).toISOString(),
      gateways: ['stripe'],
    })
    const emulator = createStripeEmulator({scenario, share: 'own', clock: {now: () => Date.now()}})
    secrets = emulator.secrets
    server = await serveEmulator(emulator)
  })
  afterAll(async () => {
    await runCli(['providers', 'remove', id, '--yes'], {home})
    await server.close()
  })

  it('a missing secret exits 78 and names the variable that would provide it', async () => {
    expect(
      (await runCli(['providers', 'add', id, '--kind', 'stripe', '--base-url', server.baseUrl], {home})).code,
    ).toBe(0)
    // An unreachable keychain (no D-Bus) and an empty keychain must both say which variable to set.
    for (const env of [{DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus'}, {}] as Array<Record<string, string>>) {
      const r = await runCli(['providers', 'test', id, '--json'], {home, env})
      expect(r.code).toBe(78)
      expect(r.json<{error: {message: string}}>().error.message).toContain(envName)
    }
  })

  it('env secrets authenticate (exit 0); a refused key exits 77 without echoing the key', async () => {
    const ok = await runCli(['providers', 'test', id, '--json'], {home, env: {[envName]: secrets.api_key!}})
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json()).toMatchObject({provider: id, ok: true})
    const refused = await runCli(['providers', 'test', id], {home, env: {[envName]: 'sk_test_wrongWrongWrong'}})
    expect(refused.code).toBe(77)
    expect(refused.stderr).not.toContain('sk_test_wrongWrongWrong')
  })

  it.skipIf(!keychain.available)(
    'stdin secrets go to the keychain only: never to the database, audit export or --json',
    async () => {
      await runCli(['providers', 'remove', id, '--yes'], {home})
      const input = `api_key=${secrets.api_key}\nwebhook_secret=${secrets.webhook_secret}\n`
      const add = await runCli(
        [
          'providers',
          'add',
          id,
          '--kind',
          'stripe',
          '--base-url',
          server.baseUrl,
          '--segment',
          '*',
          '--secrets-from-stdin',
          '--json',
        ],
        {home, input},
      )
      expect(add.code, add.stderr).toBe(0)
      expect(add.json<{secrets: Array<{field: string; source: string}>}>().secrets.map((s) => s.source)).toEqual([
        'keychain',
        'keychain',
      ])
      expect((await runCli(['providers', 'test', id], {home})).code).toBe(0)
      const rotated = await runCli(
        ['providers', 'rotate-secret', id, '--field', 'api_key', '--secrets-from-stdin', '--json'],
        {home, input: 'api_key=sk_test_rotatedButWrong\n'},
      )
      expect(rotated.code).toBe(0)
      expect((await runCli(['providers', 'test', id], {home})).code).toBe(77)
      const outputs = [
        add.stdout,
        rotated.stdout,
        (await runCli(['providers', 'list', '--json'], {home})).stdout,
        (await runCli(['audit', 'export', '--format', 'jsonl'], {home})).stdout,
      ]
      for (const [, text] of await storedText(home)) outputs.push(text)
      for (const value of [secrets.api_key!, secrets.webhook_secret!, 'sk_test_rotatedButWrong']) {
        for (const out of outputs) expect(out.includes(value)).toBe(false)
      }
      const removed = await runCli(['providers', 'remove', id, '--yes', '--json'], {home})
      expect(removed.json()).toMatchObject({removed: true, secretsDeleted: ['api_key', 'webhook_secret']})
      await runCli(['providers', 'add', id, '--kind', 'stripe', '--base-url', server.baseUrl], {home})
      const show = await runCli(['providers', 'show', id, '--json'], {home})
      expect(show.json<{secrets: Array<{source: string | null}>}>().secrets.map((s) => s.source)).toEqual([null, null])
    },
  )

  it('audit verify exits 1 naming the first row edited behind its back', async () => {
    expect((await runCli(['audit', 'verify'], {home})).code).toBe(0)
    await homeWrite(
      home,
      (function* () {
        yield* sql({
          sqlite: 'DROP TRIGGER audit_log_no_update',
          postgres: 'DROP TRIGGER audit_log_no_update ON audit_log',
        })
        yield* sql(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`)
      })(),
    )
    const r = await runCli(['audit', 'verify', '--json'], {home})
    expect(r.code).toBe(1)
    expect(r.json()).toMatchObject({ok: false, seq: 2})
    expect(r.stderr).toMatch(/seq 2/)
  })
})
