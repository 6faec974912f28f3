import { describe, expect, it } from 'vitest';
import { listeningPorts, parseListeningSockets } from './listening-ports.js';

// Taken from a container running `python3 -m http.server 8000` as uid 1000 with one client connected,
// and a root-owned listener (not the program's) on 8080.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123457 1 0000000000000000 100 0 0 10 0
   2: 020012AC:1F40 010012AC:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 123458 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2222 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2223 1 0000000000000000 100 0 0 10 0
`;

describe('listening ports', () => {
  it('reads LISTEN sockets from tcp and tcp6 tables, skipping connections and headers', () => {
    expect(parseListeningSockets(TCP)).toEqual([
      { port: 8000, address: '00000000', uid: 1000 },
      { port: 8080, address: '0100007F', uid: 0 },
    ]);
  });

  it("keeps only the program's user, each port once, without the excluded ones", () => {
    expect(listeningPorts(TCP + TCP6, 1000)).toEqual([8000, 3000]);
    expect(listeningPorts(TCP + TCP6, 1000, [8000])).toEqual([3000]);
    expect(listeningPorts('', 1000)).toEqual([]);
  });
});
