// Who a public client is, for rate limiting: its address, with IPv6 grouped by /64 (one
// subscriber usually holds a whole /64, so single addresses would be free to rotate).
export function clientKey(connectingIp: string | undefined): string {
  const ip = (connectingIp ?? "").trim();
  if (ip.includes(":")) return `ip6:${ipv6Prefix64(ip)}`;
  return ip ? `ip4:${ip}` : "unknown";
}

function ipv6Prefix64(address: string): string {
  const [head = "", tail] = address.split("%")[0]!.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) fills two groups.
  const fill = Math.max(0, 8 - left.length - right.length - (right.at(-1)?.includes(".") ? 1 : 0));
  const groups = tail === undefined ? left : [...left, ...new Array<string>(fill).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+/, "") || "0")
    .join(":")}::/64`;
}
