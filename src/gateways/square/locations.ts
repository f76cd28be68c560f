import {ConfigError} from '../../core/errors.js'
import type {SquareApi} from './api.js'
import {ListLocationsResponseSchema} from './schema.js'

/**
 * testConnection: `GET /v2/locations` proves the token, and its answer tells whether the location_id setting
 * names one of the account's locations (a wrong one would only show later, as an empty pull).
 */
export async function checkSquareConnection(
  api: SquareApi,
  locationId: string | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const body = await api.get('/v2/locations', undefined, 'GET /v2/locations', signal)
  if (!locationId) return
  const locations = ListLocationsResponseSchema.safeParse(body)
  const ids = locations.success ? (locations.data.locations ?? []).map((l) => l.id) : []
  if (!ids.includes(locationId)) {
    throw new ConfigError(
      `location_id ${locationId} is not one of this Square account's locations`,
      ids.length > 0 ? `Known locations: ${ids.join(', ')}` : undefined,
    )
  }
}
