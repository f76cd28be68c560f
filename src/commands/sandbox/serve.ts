import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {parseDuration} from '../../core/duration.js'
import {GATEWAY_KINDS} from '../../gateways/registry.js'
import {startSandbox} from '../../services/sandbox.js'

export default class SandboxServe extends BaseCommand<typeof SandboxServe> {
  static override summary =
    "Serve gateway emulators on loopback, speaking each gateway's real wire format, to rehearse an integration"
  static override description =
    'Prints one JSON document {gateways: [{kind, baseUrl, settings, secrets}], export} to stdout (secrets: the test credentials these emulators accept), then serves until Ctrl-C. The same seed always yields the same world. --export writes its YMS side (sites.csv, customers.csv, invoices.csv) for the import commands. The document is JSON either way; --json also makes an error a JSON object on stdout and drops the "serving ..." line on stderr.'
  static override examples = [
    `<%= config.bin %> sandbox serve --gateways ${GATEWAY_KINDS.slice(0, 2).join(',')} --seed 7 --export ./world`,
    '<%= config.bin %> sandbox serve --faults "rate=0.05,kinds=500,429,timeout,reset,truncated,duplicate,reorder" --webhooks-to http://127.0.0.1:8787/webhooks/{kind}',
    '<%= config.bin %> sandbox serve --live 60 --live-for 2h --webhooks-to http://127.0.0.1:8787/webhooks/{kind}',
  ]
  static override flags = {
    gateways: Flags.string({description: 'Comma-separated gateway kinds (default: every emulator)'}),
    port: Flags.integer({
      description: 'First port (0: ephemeral); gateways take consecutive ports',
      default: 0,
      min: 0,
      max: 65535,
    }),
    seed: Flags.integer({description: 'World seed', default: 42}),
    customers: Flags.integer({description: 'Customers in the world', default: 200, min: 1}),
    transactions: Flags.integer({description: 'Payments in the world', default: 2000, min: 0}),
    days: Flags.integer({description: 'Days of history, ending now', default: 60, min: 1}),
    faults: Flags.string({
      description: 'Fault injection, e.g. rate=0.05,kinds=500,429,timeout,reset,truncated,duplicate',
    }),
    'charge-rules': Flags.string({
      description:
        'JSON file of charge rules: what new charges do, e.g. [{"customer": "c0001", "steps": [{"outcome": "insufficient_funds"}, {"outcome": "approve"}]}]',
    }),
    'webhooks-to': Flags.string({description: 'Deliver signed webhooks here ({kind} is replaced by the gateway kind)'}),
    live: Flags.integer({
      description:
        'Keep the world moving: this many new payments per minute (some refunded or disputed minutes later), with their webhooks',
      min: 1,
    }),
    'live-for': Flags.string({description: 'How long --live keeps payments arriving', default: '1h'}),
    export: Flags.string({
      description: 'Write sites.csv, customers.csv and invoices.csv of the same world into this directory',
    }),
  }

  async run(): Promise<void> {
    const f = this.flags
    const started = await startSandbox({
      gateways: f.gateways ? [f.gateways] : undefined,
      port: f.port,
      seed: f.seed,
      customers: f.customers,
      transactions: f.transactions,
      days: f.days,
      faults: f.faults,
      chargeRules: f['charge-rules'],
      webhooksTo: f['webhooks-to'],
      exportDir: f.export,
      now: this.ctx.now(),
      live: f.live === undefined ? undefined : {perMinute: f.live, forMs: parseDuration(f['live-for'], '--live-for')},
    })
    this.emit(
      `${JSON.stringify({gateways: started.running.gateways, export: started.exported?.files ?? null}, null, 2)}\n`,
    )
    this.ctx.note(
      `serving ${started.running.gateways.map((g) => `${g.kind} at ${g.baseUrl}`).join(', ')}; Ctrl-C to stop`,
    )
    if (f.live !== undefined)
      this.ctx.note(`live: ~${f.live} new payments a minute until ${started.scenario.end} (seed ${f.seed})`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await started.running.close()
  }
}
