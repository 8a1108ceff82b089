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
import { isIP } from 'node:net';
import { hostOf, isPrivateAddress } from '../../platform/net/public-address.ts';

/** Why the URL may not be called, or null when it may. Never throws. */
export async function refusedAddress(url: string): Promise<string | null> {
  const host = hostOf(new URL(url));
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `could not be reached (${typeof code === 'string' ? code : 'name resolution failed'})`;
  }
  return addresses.some(isPrivateAddress) ? 'points at a private or loopback address, which this server does not call (TESSERA_GUARD_PRIVATE_ADDRESSES)' : null;
}
