/**
 * One word per provider for `status`, from what the last hour of calls and the last finished sync say:
 * - `disabled`: the connection is switched off.
 * - `down`:     the last hour had calls and every minute of them was down (see core/uptime.ts): the gateway is
 *               unreachable or failing, whatever the runs say.
 * - `failing`:  the latest finished sync failed while the gateway did answer (credentials refused, a secret
 *               missing, a bad payload): something on our side needs attention.
 * - `degraded`: the latest sync was fine but some minutes of the last hour were down.
 * - `ok`:       no failed sync last, no down minute in the last hour, and at least one of them to go by.
 * - `unknown`:  never synced and no calls in the last hour.
 */
export type Health = 'ok' | 'degraded' | 'failing' | 'down' | 'unknown' | 'disabled'

export function providerHealth(input: {
  enabled: boolean
  lastRunStatus: 'ok' | 'failed' | null
  uptimePctLastHour: number | null
}): Health {
  if (!input.enabled) return 'disabled'
  const uptime = input.uptimePctLastHour
  if (uptime === 0) return 'down'
  if (input.lastRunStatus === 'failed') return 'failing'
  if (input.lastRunStatus === null && uptime === null) return 'unknown'
  if (uptime !== null && uptime < 100) return 'degraded'
  return 'ok'
}
