import {GATEWAY_KINDS} from '../gateways/registry.js'

/** The command that connects a first gateway, for the hints of empty lists. */
export const ADD_PROVIDER = `yms-pay providers add <id> --kind <${GATEWAY_KINDS.join('|')}>`
