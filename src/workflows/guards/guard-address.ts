// Where an external guard may be sent. A gestor writes the URL, and the
// server sends a signed request there and reports how it failed: left open,
// that is a way to reach (and probe) the server's own network. So by default
// a guard whose host is, or resolves to, a loopback, private, link-local,
// carrier-grade NAT, unspecified or multicast address is refused before
// anything is sent; TESSERA_GUARD_PRIVATE_ADDRESSES=true allows them (a
// guard service inside the same network, and the tests). The check resolves
// the name once; a name whose DNS answer changes between this check and the
// connection (rebinding) is not caught here: deployments that need that
// guarantee send guard traffic through an egress proxy.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(network, prefix, 'ipv6');

/** IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it maps. */
function isPrivate(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  return family === 4 ? PRIVATE.check(address, 'ipv4') : family === 6 ? PRIVATE.check(address, 'ipv6') : true;
}

/** Why the URL may not be called, or null when it may. Never throws. */
export async function refusedAddress(url: string): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `could not be reached (${typeof code === 'string' ? code : 'name resolution failed'})`;
  }
  return addresses.some(isPrivate) ? 'points at a private or loopback address, which this server does not call (TESSERA_GUARD_PRIVATE_ADDRESSES)' : null;
}
