import net from 'node:net';

/** Parsed CIDR allow-list; node's BlockList does the matching. */
export type CidrList = net.BlockList;

export function parseCidrs(cidrs: string[]): CidrList {
  const list = new net.BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    const type = net.isIPv6(addr ?? '') ? 'ipv6' : 'ipv4';
    if (!addr || net.isIP(addr) === 0) throw new Error(`'${c}' is not a CIDR range`);
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

export function isAllowed(list: CidrList, address: string): boolean {
  // IPv4 clients of a dual-stack socket show up as ::ffff:a.b.c.d
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return net.isIPv4(v4) ? list.check(v4, 'ipv4') : list.check(address, 'ipv6');
}
