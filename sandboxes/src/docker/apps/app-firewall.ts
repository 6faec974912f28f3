import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { APP_BRIDGE_PREFIX } from './app-container.js';

const run = promisify(execFile);

/**
 * The host rule that keeps apps off the host: an internal Docker network has no route out, but the host
 * has an address on its bridge, so an app could still open connections to whatever the host listens on
 * (the arena, PostgreSQL, Redis, the engine's TCP port) at that address or any other of the host's. New
 * connections arriving from any app bridge (`arapp+`) are dropped; the replies to the arena's own
 * connections into the app are established ones and pass. Added once, first in INPUT, for IPv4 and IPv6;
 * left in place on exit because other arena processes on the machine rely on the same rule (it matches
 * nothing when no app runs).
 */
export const FIREWALL_RULE = [
  'INPUT',
  '-i',
  `${APP_BRIDGE_PREFIX}+`,
  '-m',
  'conntrack',
  '--ctstate',
  'NEW',
  '-j',
  'DROP',
];

export type FirewallState = { installed: true } | { installed: false; error: string };

async function ensure(tool: 'iptables' | 'ip6tables'): Promise<void> {
  try {
    await run(tool, ['-w', '-C', ...FIREWALL_RULE]);
  } catch {
    await run(tool, ['-w', '-I', ...FIREWALL_RULE]);
  }
}

/** Install the rule for IPv4 and IPv6 unless it is there; says why not when it cannot (not root, no iptables). */
export async function ensureAppFirewall(): Promise<FirewallState> {
  try {
    await ensure('iptables');
  } catch (error) {
    return { installed: false, error: `iptables: ${String((error as Error).message).split('\n')[0]}` };
  }
  // IPv6 is off on app networks; the rule is belt and braces where ip6tables exists.
  await ensure('ip6tables').catch(() => undefined);
  return { installed: true };
}
