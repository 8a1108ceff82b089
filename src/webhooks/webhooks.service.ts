// Webhook endpoints and their deliveries, managed by gestores. Another
// organisation's endpoint or delivery answers 404 like one that does not exist
// (RLS hides it). Every change to an endpoint is audited in its transaction;
// the signing secret never reaches the audit log or any answer but the one
// that creates (or rotates) it.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { recordAudit } from '../audit/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import { hostOf, isPrivateAddress } from '../platform/net/public-address.ts';
import { secretText } from './core/signing.ts';
import { refusedUrl } from './send-webhook.ts';
import { WebhookErrors } from './webhooks.errors.ts';
import type {
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryView,
  UpdateWebhookBody,
  WebhookView,
  WebhookWithSecret,
} from './webhooks.schemas.ts';
import {
  DELETE_ENDPOINT,
  INSERT_ENDPOINT,
  INSERT_TEST_DELIVERY,
  LIST_DELIVERIES,
  LIST_ENDPOINTS,
  LOCK_ENDPOINT,
  RETRY_DELIVERY,
  ROTATE_SECRET,
  SELECT_ENDPOINT,
  UPDATE_ENDPOINT,
} from './webhooks.sql.ts';

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface WebhooksOptions {
  /** TESSERA_WEBHOOKS_ALLOW_PRIVATE: http and private addresses accepted. */
  readonly allowPrivate: boolean;
  /** A delivery became due now (retry, test): wake the delivery worker. */
  readonly onDue?: () => void;
}

interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: 'gone' | 'failing' | null;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_type: string;
  occurred_at: Date;
  subject_type: string;
  subject_id: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_response_code: number | null;
  last_duration_ms: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

function endpointView(row: EndpointRow, now: Date = new Date()): WebhookView {
  const overlap = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now ? row.previous_secret_expires_at : null;
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    failing_since: iso(row.failing_since),
    previous_secret_expires_at: iso(overlap),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_type: row.event_type,
    occurred_at: row.occurred_at.toISOString(),
    subject: { type: row.subject_type, id: row.subject_id },
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    last_attempt_at: iso(row.last_attempt_at),
    last_response_code: row.last_response_code,
    last_duration_ms: row.last_duration_ms,
    last_error: row.last_error,
    delivered_at: iso(row.delivered_at),
    created_at: row.created_at.toISOString(),
  };
}

/** What the audit log keeps of an endpoint: never its secret. */
function audited(view: WebhookView): Record<string, unknown> {
  return { url: view.url, events: view.events, description: view.description, enabled: view.enabled };
}

function notFound(id: string): AppError {
  return new AppError(PlatformErrors['not-found'], `No webhook endpoint ${id}.`);
}

export class WebhooksService {
  constructor(
    private readonly db: Database,
    private readonly options: WebhooksOptions,
  ) {}

  /** 422 unless the URL may be called: scheme, credentials, and (without the flag) every address its name resolves to. */
  private async checkUrl(url: string): Promise<void> {
    let reason = refusedUrl(url, this.options.allowPrivate);
    if (reason === null && !this.options.allowPrivate) {
      const host = hostOf(new URL(url));
      if (isIP(host) === 0) {
        try {
          const addresses = await lookup(host, { all: true });
          if (addresses.some((entry) => isPrivateAddress(entry.address))) reason = 'resolves to a private or loopback address, which this server does not call';
        } catch {
          reason = 'has a host name that does not resolve';
        }
      }
    }
    if (reason !== null) {
      throw new AppError(WebhookErrors['webhook-url-not-allowed'], `The URL ${reason}.`, [{ pointer: '/url', message: reason }]);
    }
  }

  async create(call: TenantCall, input: CreateWebhookBody): Promise<WebhookWithSecret> {
    await this.checkUrl(input.url);
    const key = randomBytes(32);
    const view = await this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<EndpointRow>(INSERT_ENDPOINT, [newId(), input.url, input.events, input.description ?? null, key]);
      const created = endpointView(rows[0]!);
      await recordAudit(tx, { actor: call.actor, action: 'webhook.created', target: { type: 'webhook_endpoint', id: created.id }, after: audited(created), origin: call.origin });
      return created;
    });
    return { ...view, secret: secretText(key) };
  }

  async list(call: TenantCall): Promise<WebhookView[]> {
    const { rows } = await this.db.tenant.query<EndpointRow>(call.scope, LIST_ENDPOINTS);
    return rows.map((row) => endpointView(row));
  }

  async get(call: TenantCall, id: string): Promise<WebhookView> {
    const { rows } = await this.db.tenant.query<EndpointRow>(call.scope, SELECT_ENDPOINT, [id]);
    if (rows[0] === undefined) throw notFound(id);
    return endpointView(rows[0]);
  }

  async update(call: TenantCall, id: string, input: UpdateWebhookBody): Promise<WebhookView> {
    if (input.url !== undefined) await this.checkUrl(input.url);
    const view = await this.db.tenant.transaction(call.scope, async (tx) => {
      const before = await tx.query<EndpointRow>(LOCK_ENDPOINT, [id]);
      if (before.rows[0] === undefined) throw notFound(id);
      const { rows } = await tx.query<EndpointRow>(UPDATE_ENDPOINT, [
        id,
        input.url ?? null,
        input.events ?? null,
        input.description ?? null,
        input.enabled ?? null,
        input.description !== undefined,
      ]);
      const after = endpointView(rows[0]!);
      await recordAudit(tx, {
        actor: call.actor,
        action: 'webhook.updated',
        target: { type: 'webhook_endpoint', id },
        before: audited(endpointView(before.rows[0])),
        after: audited(after),
        origin: call.origin,
      });
      return after;
    });
    if (input.enabled === true) this.options.onDue?.();
    return view;
  }

  async remove(call: TenantCall, id: string): Promise<void> {
    await this.db.tenant.transaction(call.scope, async (tx) => {
      const before = await tx.query<EndpointRow>(LOCK_ENDPOINT, [id]);
      if (before.rows[0] === undefined) throw notFound(id);
      await tx.query(DELETE_ENDPOINT, [id]);
      await recordAudit(tx, { actor: call.actor, action: 'webhook.deleted', target: { type: 'webhook_endpoint', id }, before: audited(endpointView(before.rows[0])), origin: call.origin });
    });
  }

  /** A new secret; the current one keeps signing for 24 h (both signatures are sent meanwhile). */
  async rotateSecret(call: TenantCall, id: string): Promise<WebhookWithSecret> {
    const key = randomBytes(32);
    const view = await this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<EndpointRow>(ROTATE_SECRET, [id, key, new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString()]);
      if (rows[0] === undefined) throw notFound(id);
      const rotated = endpointView(rows[0]);
      await recordAudit(tx, { actor: call.actor, action: 'webhook.secret_rotated', target: { type: 'webhook_endpoint', id }, origin: call.origin });
      return rotated;
    });
    return { ...view, secret: secretText(key) };
  }

  async deliveries(call: TenantCall, id: string, query: DeliveryListQuery): Promise<DeliveryPage> {
    const limit = query.limit ?? 50;
    return this.db.tenant.transaction(call.scope, async (tx) => {
      const endpoint = await tx.query(SELECT_ENDPOINT, [id]);
      if (endpoint.rows.length === 0) throw notFound(id);
      const { rows } = await tx.query<DeliveryRow>(LIST_DELIVERIES, [id, query.cursor ?? null, limit + 1, query.status ?? null]);
      const page = rows.slice(0, limit).map(deliveryView);
      return { data: page, next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
    });
  }

  /** Due again now, whatever its status (a delivered one is sent again, with the same webhook-id). */
  async retry(call: TenantCall, id: string, deliveryId: string): Promise<DeliveryView> {
    const view = await this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<DeliveryRow>(RETRY_DELIVERY, [id, deliveryId]);
      if (rows[0] === undefined) throw new AppError(PlatformErrors['not-found'], `No delivery ${deliveryId} of webhook endpoint ${id}.`);
      await recordAudit(tx, { actor: call.actor, action: 'webhook.delivery_retried', target: { type: 'webhook_delivery', id: deliveryId }, origin: call.origin });
      return deliveryView(rows[0]);
    });
    this.options.onDue?.();
    return view;
  }

  /** A `webhook.test` delivery to this endpoint, due at once (even while it is disabled it waits, like any other). */
  async test(call: TenantCall, id: string): Promise<DeliveryView> {
    const view = await this.db.tenant.transaction(call.scope, async (tx) => {
      const endpoint = await tx.query(SELECT_ENDPOINT, [id]);
      if (endpoint.rows.length === 0) throw notFound(id);
      const { rows } = await tx.query<DeliveryRow>(INSERT_TEST_DELIVERY, [id, newId(), JSON.stringify({ message: 'A test event from Tessera.' }), id]);
      return deliveryView(rows[0]!);
    });
    this.options.onDue?.();
    return view;
  }
}
