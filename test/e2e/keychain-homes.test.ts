import {rmSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {serveEmulator, type RunningServer} from '../../src/sandbox/emulator.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {runCli, tempHome} from '../helpers/cli.js'
import {secretServiceStatus} from '../helpers/keyring-available.js'

const keychain = secretServiceStatus()
if (!keychain.available) console.warn(`[skip] two homes sharing the OS keychain skipped: ${keychain.reason}`)

/**
 * Two homes of one user share the OS keychain. Each keeps its provider's key under its own ledger's store id, so the
 * second home adding, rotating and removing a provider of the same id never touches the first home's key.
 */
describe.skipIf(!keychain.available)('two homes, one provider id, one OS keychain (built binary)', () => {
  let server: RunningServer
  let apiKey = ''
  const first = tempHome('yms-home-a-')
  const second = tempHome('yms-home-b-')
  const id = `kc-homes-${process.pid}`

  beforeAll(async () => {
    const now = Date.now()
    const scenario = generateScenario({
      seed: 5,
      customers: 3,
      transactions: 5,
      start: new Date(now - 86_400_000).toISOString(),
      end: new Date(now).toISOString(),
      gateways: ['stripe'],
    })
    const emulator = createStripeEmulator({scenario, share: 'own', clock: {now: () => Date.now()}})
    apiKey = emulator.secrets.api_key!
    server = await serveEmulator(emulator)
  })
  afterAll(async () => {
    for (const home of [first, second]) {
      await runCli(['providers', 'remove', id, '--yes'], {home})
      rmSync(home, {recursive: true, force: true})
    }
    await server?.close()
  })

  const add = (home: string, key: string) =>
    runCli(['providers', 'add', id, '--kind', 'stripe', '--base-url', server.baseUrl, '--secrets-from-stdin'], {
      home,
      input: `api_key=${key}\nwebhook_secret=whsec_kcHomesTest\n`,
    })

  it('the second home overwrites and deletes nothing of the first', async () => {
    expect((await add(first, apiKey)).code).toBe(0)
    expect((await runCli(['providers', 'test', id], {home: first})).code).toBe(0)

    expect((await add(second, 'sk_test_secondHomesWrongKey')).code).toBe(0)
    expect((await runCli(['providers', 'test', id], {home: second})).code).toBe(77)
    expect((await runCli(['providers', 'test', id], {home: first})).code).toBe(0)

    const removed = await runCli(['providers', 'remove', id, '--yes', '--json'], {home: second})
    expect(removed.json()).toMatchObject({removed: true, secretsDeleted: ['api_key', 'webhook_secret']})
    expect((await runCli(['providers', 'test', id], {home: first})).code).toBe(0)
    const show = await runCli(['providers', 'show', id, '--json'], {home: first})
    expect(show.json<{secrets: Array<{source: string | null}>}>().secrets.map((s) => s.source)).toEqual([
      'keychain',
      'keychain',
    ])
  })
})
