import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'

/**
 * The README says which commands take --json. This reads that sentence and compares it with the commands oclif
 * actually loads (yms-pay's and its plugins'), so the claim cannot drift from the code again.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('README on --json', () => {
  it('names exactly the commands that do not take --json', async () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8')
    const claim = /Every command takes `--json` except ((?:`[a-z :-]+`(?:, | and )?)+)/.exec(readme)
    expect(claim, 'the sentence "Every command takes `--json` except …"').not.toBeNull()
    const exceptions = [...claim![1]!.matchAll(/`([a-z :-]+)`/g)].map((m) => m[1]!).sort()
    const config = await Config.load(ROOT)
    const withoutJson = config.commands
      .filter((c) => !c.hidden && !c.enableJsonFlag)
      .map((c) => c.id.replaceAll(':', ' '))
      .sort()
    expect(exceptions).toEqual(withoutJson)
  })
})
