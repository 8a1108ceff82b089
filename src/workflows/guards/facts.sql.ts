// The facts a transition reads beyond the locked record, in ONE statement
// (the benchmark counts round trips): the registry's stamp (and, when it is
// not the one this process knows, every current definition), the
// organisation's time zone, the caller's teams, the calendars when the new
// state needs them, and team loads for assign-by-team effects. RLS limits
// every part to the caller's organisation.
//
// $1 registry stamp this process knows ('' for none), $2 the acting member
// (null for API keys and the system), $3 whether to read calendars, $4/$5
// team names (lower-cased) and user fields, pairwise, of assign-by-team
// effects, $6 the record's type.
export const SELECT_TRANSITION_FACTS = `
  with registry as (
    select coalesce(md5(string_agg(t.key || ':' || t.current_version, ',' order by t.key)), '') as stamp from entity_types t
  )
  select registry.stamp,
    case when registry.stamp is distinct from $1::text then
      (select json_object_agg(t.key, v.definition) from entity_types t
         join entity_type_versions v on v.tenant_id = t.tenant_id and v.type_key = t.key and v.version = t.current_version)
    end as definitions,
    coalesce((select s.time_zone from tenant_settings s), 'UTC') as time_zone,
    coalesce((select json_agg(distinct lower(tm.name)) from team_members m
                join teams tm on tm.tenant_id = m.tenant_id and tm.id = m.team_id
              where m.user_id = $2::uuid), '[]'::json) as teams,
    case when $3::boolean then
      coalesce((select json_agg(json_build_object('key', c.key, 'time_zone', c.time_zone, 'working_hours', c.working_hours, 'holidays', c.holidays))
                from business_calendars c), '[]'::json)
    end as calendars,
    (select coalesce(json_agg(json_build_object('team', a.team, 'members',
        (select coalesce(json_agg(json_build_object('user_id', m.user_id, 'open',
            (select count(*) from records r
              where r.type_key = $6::text and r.data ->> a.field = m.user_id::text
                and (r.state_category is null or r.state_category not in ('resolved', 'closed', 'cancelled'))))
            order by m.user_id), '[]'::json)
         from team_members m join teams tm on tm.tenant_id = m.tenant_id and tm.id = m.team_id
         where lower(tm.name) = a.team))), '[]'::json)
     from unnest($4::text[], $5::text[]) as a(team, field)) as team_loads
  from registry`;
