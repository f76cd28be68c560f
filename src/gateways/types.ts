import type {z} from 'zod'

import type {Clock} from '../core/clock.js'
import type {Cursor} from '../core/cursor.js'
import type {HttpMethod} from '../core/gateway-call.js'
import type {CurrencyWire} from '../core/wire-rule.js'
import type {Decision, FailureSchema, FetchedTxn, Money, Quarantined, Skipped} from '../core/transaction.js'

export type {Skipped} from '../core/transaction.js'

/**
 * The gateway seam. The core owns the cursor and the database; an adapter turns one request into one page of
 * normalized transactions plus the next cursor. Adding a gateway: README, "Adding a gateway".
 */
export type Capability = 'pull' | 'webhooks' | 'create_payment' | 'settlement_report'

// ---- HTTP (implemented by src/gateways/http.ts) ----
export interface HttpRequest {
  method: HttpMethod
  /** Path (joined to the client's baseUrl) or an absolute URL (e.g. a report download link). */
  path: string
  query?: Record<string, string | number | boolean | undefined | readonly string[]>
  headers?: Record<string, string>
  body?: string | Buffer
  /** Label for the call log and uptime metric, e.g. `GET /v1/events`. Never contains ids or secrets. */
  endpoint: string
  /**
   * For POSTs: reused on every retry of this request. When absent on a POST, the client generates one.
   * Sent in the header named by the client's `idempotencyHeader` (none for gateways that take it in the body).
   */
  idempotencyKey?: string
  timeoutMs?: number
  /** A POST that changes nothing (Braintree's searches): safe to re-send after a timeout or 5xx like a GET. */
  readOnly?: boolean
  /**
   * Error statuses this request expects as a normal answer (Adyen's 404 for a report batch not generated yet):
   * the call log records them as `ok`, so they count neither as errors nor against uptime.
   */
  expectedStatuses?: readonly number[]
}

export interface HttpResponse {
  status: number
  headers: Record<string, string> // lower-case names
  body: Buffer
  text(): string
  json(): unknown
}

export interface HttpClient {
  /**
   * Returns the response for any status that is not retried, or the last one once retries are spent.
   * Throws a TransportError (timeout, reset, DNS, truncated body) or CircuitOpenError when no response exists.
   */
  request(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse>
}

// ---- Adapter ----
export interface ProviderConfig<S = Record<string, string>> {
  providerId: string
  baseUrl: string
  settings: S
  /** Secret values by field name, read from the keychain/env just before connect. Never persisted or logged. */
  secrets: Record<string, string>
  /** The error for a secret that is needed but absent, naming where to put it (see secret.ts). */
  missingSecret?: (field: string) => Error
}

export interface AdapterDeps {
  http: HttpClient
  clock: Clock
}

/** One page of a pull. `items` and `invalid` may be produced on first read (see page.ts); `next` and `hasMore` may not. */
export interface Page {
  items: FetchedTxn[]
  invalid: Quarantined[]
  /**
   * Objects seen but deliberately not posted (documented, understood, moving nothing in yms-pay's accounts), and
   * objects whose code the gateway does not document (reason UNKNOWN_CODE): counted in the run, kept for an admin
   * to list (`yms-pay sync skipped`), never quarantined.
   */
  skipped?: Skipped[]
  next: Cursor
  hasMore: boolean
}

export interface WebhookRequest {
  headers: Record<string, string> // lower-case names
  rawBody: Buffer
  url: string // the full URL the gateway posted to
}

/**
 * An object a webhook only names (a thin event, Adyen's REPORT_AVAILABLE), or names in a state that cannot be
 * believed whole (a Stripe charge without its fee): yms-pay reads it from the gateway (GatewayClient.fetchObject)
 * instead of believing the payload.
 */
export interface ObjectRef {
  /** The gateway's word for the object: `charge`, `report`, … */
  object: string
  id: string
  /** When the event that named it happened (ISO-8601), if the gateway said. */
  at?: string
}

/** What reading named objects found: Page without its cursor. */
export type FetchedObjects = Pick<Page, 'items' | 'invalid' | 'skipped'>

export type WebhookEvent =
  | {kind: 'txn'; item: FetchedTxn}
  | {kind: 'invalid'; item: Quarantined}
  /** Documented, understood, moving nothing in yms-pay's accounts: kept like Page.skipped. */
  | {kind: 'skipped'; item: Skipped}
  | {kind: 'fetch'; ref: ObjectRef}
  /** Something yms-pay records but neither posts nor reads (an event type it does not use). */
  | {kind: 'signal'; name: string; data: Record<string, string>}

export type WebhookVerification =
  | {ok: true; events: WebhookEvent[]; dedupKey: string; ack?: {status: number; body: string; contentType: string}}
  /** malformed: the body cannot be what the gateway sends (HTTP 400); otherwise the signature failed (401). */
  | {ok: false; reason: string; malformed?: boolean}

export interface CreatePaymentRequest {
  customerRef: string
  paymentMethodRef: string
  amount: Money // ISO minor units; the adapter converts to the gateway's exponent
  idempotencyKey: string
  metadata: Record<string, string>
}

export type PaymentOutcome =
  | {status: 'succeeded' | 'pending'; externalId: string; item: FetchedTxn | null}
  | {status: 'failed'; externalId: string | null; failure: z.infer<typeof FailureSchema>; item: FetchedTxn | null}
  | {status: 'unknown'; externalId: string | null; reason: string}

export interface GatewayClient {
  /** Authenticates and reads a minimal page. Throws AuthError when credentials are refused. */
  testConnection(signal?: AbortSignal): Promise<void>
  fetchPage(cursor: Cursor | null, signal?: AbortSignal, opts?: {since?: string}): Promise<Page>
  verifyWebhook(req: WebhookRequest): Promise<WebhookVerification>
  /** Reads what a `fetch` webhook event names; gateways whose webhooks never name objects leave it out. */
  fetchObject?(ref: ObjectRef, signal?: AbortSignal): Promise<FetchedObjects>
  createPayment?(req: CreatePaymentRequest, signal?: AbortSignal): Promise<PaymentOutcome>
  /** Gateway-status map: an error (thrown by this client or a decline code string) -> what retrying should do. */
  classifyError(e: unknown): Decision
}

/**
 * What yms-pay knows about a gateway without loading its adapter (zod, translators, …): one `facts.ts` per
 * gateway, read eagerly by the registry, so listing providers stays fast however many kinds are connected.
 */
export interface GatewayFacts {
  kind: string
  /** The gateway's name as people write it. */
  label: string
  capabilities: ReadonlySet<Capability>
  /** Secret field names, in the order a wizard asks for them. */
  secretFields: readonly string[]
  /** The subset that only verifies webhooks: a pull or a payment works without them. */
  webhookSecretFields: readonly string[]
  /** The subset a pull may do without (the adapter falls back to another credential): never required up front. */
  optionalSecretFields?: readonly string[]
  /** Non-secret settings (`--setting k=v`), with what each is for. */
  settings: Readonly<Record<string, string>>
  /** Real gateway's production base URL, used when `--base-url` is not given. */
  defaultBaseUrl: string
  /** Header carrying the idempotency key on POSTs, or null when the key travels in the body / is unsupported. */
  idempotencyHeader: string | null
  /**
   * Whether a POST whose outcome is unknown (timeout, reset, 5xx) may be re-sent as is. False for gateways without
   * idempotency (Braintree): the retry engine must look the payment up first instead.
   */
  retryAmbiguousPosts: boolean
  /** A response header in which the gateway says whether to retry (`true`/`false`), overriding the status. */
  retryHintHeader: string | null
  /** Where the gateway's amounts deviate from ISO 4217 exponents. */
  wire: CurrencyWire
}

export interface GatewayAdapter<S extends Record<string, string> = Record<string, string>> extends GatewayFacts {
  /** Validates the non-secret settings. */
  settingsSchema: z.ZodType<S>
  connect(cfg: ProviderConfig<S>, deps: AdapterDeps): GatewayClient
}
