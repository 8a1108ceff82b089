// The facts a transition reads beyond the locked record, in ONE statement
// (the benchmark counts round trips), usually sent inside the lock's own
// statement (records' lockRecordStampedWith): the registry's stamp (and,
// when it is not the one this process knows, every current definition), the
// organisation's time zone, the caller's teams, the calendars when the new
// state needs them, and team loads for assign-by-team effects. RLS limits
// every part to the caller's organisation.
//
// The statement holds only the parts a transition needs: PostgreSQL plans
// every sub-select it is sent (with the RLS policies of each table it
// reads, the records ACL's included) on every execution, and planning was
// the largest share of its cost. Every value is a bind parameter; parameters
// are numbered from `first` so the statement can travel inside another.

export interface FactsParts {
  /** The acting member (null for API keys and the system: no teams). */
  readonly userId: string | null;
  /** Read the calendars (the new state has an SLA or timers). */
  readonly calendars: boolean;
  /** Team names (lower-cased) and user fields, pairwise, of assign-by-team effects; empty: none read. */
  readonly teams: readonly string[];
  readonly fields: readonly string[];
  readonly type: string;
}

/** Columns: stamp, definitions, time_zone, teams, calendars, team_loads (absent parts are null). */
export function transitionFactsSql(knownStamp: string, parts: FactsParts, first: number): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown, cast: string): string => {
    values.push(value);
    return `$${first + values.length - 1}::${cast}`;
  };
  const stamp = param(knownStamp, 'text');
  const teams =
    parts.userId === null
      ? `'[]'::json`
      : `coalesce((select json_agg(distinct lower(tm.name)) from team_members m
                join teams tm on tm.tenant_id = m.tenant_id and tm.id = m.team_id
              where m.user_id = ${param(parts.userId, 'uuid')}), '[]'::json)`;
  const calendars = parts.calendars
    ? `coalesce((select json_agg(json_build_object('key', c.key, 'time_zone', c.time_zone, 'working_hours', c.working_hours, 'holidays', c.holidays))
                from business_calendars c), '[]'::json)`
    : 'null::json';
  const teamLoads =
    parts.teams.length === 0
      ? 'null::json'
      : `(select coalesce(json_agg(json_build_object('team', a.team, 'members',
        (select coalesce(json_agg(json_build_object('user_id', m.user_id, 'open',
            (select count(*) from records r
              where r.type_key = ${param(parts.type, 'text')} and r.data ->> a.field = m.user_id::text
                and (r.state_category is null or r.state_category not in ('resolved', 'closed', 'cancelled'))))
            order by m.user_id), '[]'::json)
         from team_members m join teams tm on tm.tenant_id = m.tenant_id and tm.id = m.team_id
         where lower(tm.name) = a.team))), '[]'::json)
     from unnest(${param(parts.teams, 'text[]')}, ${param(parts.fields, 'text[]')}) as a(team, field))`;
  const text = `
  with registry as (
    select coalesce(md5(string_agg(t.key || ':' || t.current_version, ',' order by t.key)), '') as stamp from entity_types t
  )
  select registry.stamp,
    case when registry.stamp is distinct from ${stamp} then
      (select json_object_agg(t.key, v.definition) from entity_types t
         join entity_type_versions v on v.tenant_id = t.tenant_id and v.type_key = t.key and v.version = t.current_version)
    end as definitions,
    coalesce((select s.time_zone from tenant_settings s), 'UTC') as time_zone,
    ${teams} as teams,
    ${calendars} as calendars,
    ${teamLoads} as team_loads
  from registry`;
  return { text, values };
}
