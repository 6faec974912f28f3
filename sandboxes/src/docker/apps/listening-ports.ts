/** A TCP socket in LISTEN state, as `/proc/net/tcp` and `/proc/net/tcp6` list it. */
export interface ListeningSocket {
  port: number;
  /** The local address in the kernel's hex form (`00000000` is any IPv4 address, `0100007F` is 127.0.0.1). */
  address: string;
  uid: number;
}

/** `st` of a listening socket (TCP_LISTEN). */
const TCP_LISTEN = '0A';

/**
 * The listening sockets in the text of `/proc/net/tcp` and/or `/proc/net/tcp6` (any number of tables, each
 * with its header line): `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...`.
 */
export function parseListeningSockets(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8 || !/^\d+:$/.test(fields[0] ?? '')) continue;
    if (fields[3] !== TCP_LISTEN) continue;
    const [address, portHex] = (fields[1] ?? '').split(':');
    const uid = Number(fields[7]);
    if (!address || !portHex || !Number.isInteger(uid)) continue;
    out.push({ port: parseInt(portHex, 16), address, uid });
  }
  return out;
}

/** The ports a user listens on, in the order the kernel lists them, each once. */
export function listeningPorts(text: string, uid: number, exclude: readonly number[] = []): number[] {
  const ports: number[] = [];
  for (const socket of parseListeningSockets(text))
    if (socket.uid === uid && !exclude.includes(socket.port) && !ports.includes(socket.port)) ports.push(socket.port);
  return ports;
}
