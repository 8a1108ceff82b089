-- Each organisation's default configuration, created with it at signup:
-- the time zone, locale and billing currency every later capability reads
-- (SLA calendars, date buckets, invoices).
create table tenant_settings (
  tenant_id uuid not null references tenants (id),
  time_zone text not null default 'America/Sao_Paulo',
  locale text not null default 'pt-BR',
  currency text not null default 'BRL' check (currency in ('BRL', 'USD', 'EUR')),
  updated_at timestamptz not null default now(),
  primary key (tenant_id)
);
alter table tenant_settings enable row level security;
alter table tenant_settings force row level security;
create policy tenant_isolation on tenant_settings
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (time_zone, locale, currency, updated_at) on tenant_settings to tessera_app;
