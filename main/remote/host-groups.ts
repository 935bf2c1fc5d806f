/** `host_groups` (SPEC 14, 24.1): names that pick one of several hosts when a run starts. */
import { checkHostName } from './ssh.js';

/** alias: one host under another name; round-robin: in order; random: uniformly. */
export interface HostGroup {
  type: 'alias' | 'round-robin' | 'random';
  hosts: string[];
}

const GROUP_TYPES = ['round-robin', 'random'] as const;

/** The groups of a `host_groups` value, or a message naming the group and the fix. */
export function parseHostGroups(
  value: unknown,
): { ok: true; groups: Record<string, HostGroup> } | { ok: false; message: string } {
  if (value === null || value === undefined) return { ok: true, groups: {} };
  if (typeof value !== 'object' || Array.isArray(value))
    return { ok: false, message: 'host_groups: must be a mapping of group names to hosts' };
  const groups: Record<string, HostGroup> = {};
  for (const [name, spec] of Object.entries(value as Record<string, unknown>)) {
    const where = `host_groups.${name}`;
    if (name.trim() === '' || /\s/.test(name))
      return { ok: false, message: `${where}: a group name may not be empty or contain spaces` };
    let group: HostGroup;
    if (typeof spec === 'string') group = { type: 'alias', hosts: [spec] };
    else if (Array.isArray(spec)) group = { type: 'random', hosts: spec as string[] };
    else if (spec !== null && typeof spec === 'object') {
      const { type, hosts, ...rest } = spec as Record<string, unknown>;
      const extra = Object.keys(rest);
      if (extra.length > 0)
        return { ok: false, message: `${where}: unknown key '${extra[0]}'; a group has only type and hosts` };
      if (!GROUP_TYPES.includes(type as (typeof GROUP_TYPES)[number]))
        return {
          ok: false,
          message: `${where}: type must be round-robin or random, got ${JSON.stringify(type ?? null)}`,
        };
      if (!Array.isArray(hosts))
        return { ok: false, message: `${where}: hosts must be a list of host names` };
      group = { type: type as HostGroup['type'], hosts: hosts as string[] };
    } else
      return {
        ok: false,
        message: `${where}: use a host name, a list of hosts, or {type: round-robin | random, hosts: [...]}`,
      };
    if (group.hosts.length === 0) return { ok: false, message: `${where}: the group has no hosts` };
    for (const host of group.hosts) {
      const problem = typeof host === 'string' ? checkHostName(host) : 'a host must be a string';
      if (problem !== null) return { ok: false, message: `${where}: ${problem}` };
    }
    groups[name] = group;
  }
  return { ok: true, groups };
}

/** What choosing among a group's hosts needs to know about each. */
export interface ChoiceContext {
  /** Whether the host is known to be unreachable now. */
  down(host: string): boolean;
  /** Whether the host has room for one more run (remote.max_running). */
  free(host: string): boolean;
  /** The next round-robin position of the group (persisted), and where to put it. */
  position(group: string): number;
  setPosition(group: string, position: number): void;
  /** A number in [0, 1). */
  random(): number;
}

/** The outcome of a choice: a host, a wait for a free slot on `hosts`, or every host down. */
export type Choice =
  { kind: 'host'; host: string } | { kind: 'full'; hosts: string[] } | { kind: 'down'; hosts: string[] };

/**
 * Picks a host of `group` (SPEC 24.1): never one known down; round-robin takes the next in order that has room,
 * random one at random among those with room.
 */
export function chooseHost(name: string, group: HostGroup, c: ChoiceContext): Choice {
  const alive = group.hosts.filter((h) => !c.down(h));
  if (alive.length === 0) return { kind: 'down', hosts: [...new Set(group.hosts)] };
  if (group.type === 'round-robin') {
    const n = group.hosts.length;
    const start = ((c.position(name) % n) + n) % n;
    for (let i = 0; i < n; i++) {
      const host = group.hosts[(start + i) % n] as string;
      if (c.down(host) || !c.free(host)) continue;
      c.setPosition(name, (start + i + 1) % n);
      return { kind: 'host', host };
    }
    return { kind: 'full', hosts: [...new Set(alive)] };
  }
  const open = alive.filter((h) => c.free(h));
  if (open.length === 0) return { kind: 'full', hosts: [...new Set(alive)] };
  return { kind: 'host', host: open[Math.floor(c.random() * open.length)] as string };
}
