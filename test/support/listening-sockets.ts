import { readdir, readFile, readlink } from 'node:fs/promises';

/** A TCP socket in the LISTEN state. */
export interface ListeningSocket {
  /** `127.0.0.1`, `0.0.0.0`, `::`, `::1`, ... */
  readonly address: string;
  readonly port: number;
}

const TCP_LISTEN = '0A';

/** `0100007F` (little-endian, as /proc/net/tcp writes it) -> `127.0.0.1`. */
function ipv4(hex: string): string {
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .map((byte) => Number.parseInt(byte, 16))
    .reverse()
    .join('.');
}

/** /proc/net/tcp6 writes four little-endian 32-bit words; -> `::1`, `::ffff:127.0.0.1` style text. */
function ipv6(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse());
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) {
    groups.push(Number.parseInt(`${bytes[i]}${bytes[i + 1]}`, 16).toString(16));
  }
  const full = groups.join(':');
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  if (full.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${ipv4(words[3] ?? '')}`;
  return full;
}

async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  return inodes;
}

/**
 * The TCP sockets process `pid` listens on, read from /proc (Linux): the process' socket inodes
 * matched against /proc/net/tcp and /proc/net/tcp6.
 */
export async function listeningSockets(pid: number): Promise<ListeningSocket[]> {
  const inodes = await socketInodes(pid);
  const sockets: ListeningSocket[] = [];
  for (const [table, decode] of [
    ['tcp', ipv4],
    ['tcp6', ipv6],
  ] as const) {
    const lines = (await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (local === undefined || state !== TCP_LISTEN || inode === undefined || !inodes.has(inode)) continue;
      const [address, port] = local.split(':');
      sockets.push({ address: decode(address ?? ''), port: Number.parseInt(port ?? '', 16) });
    }
  }
  return sockets;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string): boolean {
  return /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address) || address === '::1';
}
