import type Docker from 'dockerode';
import { ownerProcessLabels } from '../owner-process.js';
import { SANDBOX_LABEL, sandboxContainerSpec } from '../sandbox-container.js';

/** Marks an app's container and network; its value is the app's token (the engine's own users may read it). */
export const APP_LABEL = 'arena.app';
/** When an app's container or network is removed at the latest (ms since the epoch), whoever owns it. */
export const EXPIRES_LABEL = 'arena.expires';
/**
 * Every app network's bridge is named with this prefix, so one host firewall rule (`-i arapp+`) covers them
 * all (see `app-firewall`). Linux allows 15 characters: the prefix and 10 of the app's id.
 */
export const APP_BRIDGE_PREFIX = 'arapp';

export interface AppContainerOptions {
  image: string;
  /** The runner that starts it (`arena.owner`). */
  owner: string;
  token: string;
  /** The network of its own it joins. */
  network: string;
  memoryMb: number;
  cpus: number;
  processes: number;
  /** When it is removed at the latest, whatever happens to the arena process. */
  expiresAt: number;
  /**
   * A host file mounted as the container's `/etc/resolv.conf` (see `RESOLV_CONF`): on an internal network a
   * name lookup would otherwise wait 10 s for Docker's DNS to give up (Streamlit looks up its external
   * address at start), and the app starts that much later.
   */
  resolvConf?: string;
}

/** Names resolve from `/etc/hosts` only: a query goes to the container's own loopback, where nothing answers, and fails at once. */
export const RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

function labels(options: Pick<AppContainerOptions, 'owner' | 'token' | 'expiresAt'>): Record<string, string> {
  return {
    [SANDBOX_LABEL]: '1',
    [APP_LABEL]: options.token,
    [EXPIRES_LABEL]: String(options.expiresAt),
    'arena.created': String(Date.now()),
    'arena.owner': options.owner,
    ...ownerProcessLabels(),
  };
}

/**
 * An app's network: a bridge of its own marked `Internal` (no route out of it, no NAT), no inter-container
 * traffic to allow since the app is alone on it. The host still has an address on the bridge, which is
 * what the arena's proxy reaches the app through, and what the host firewall rule shuts for the app's side.
 */
export function appNetworkSpec(
  name: string,
  bridge: string,
  options: Pick<AppContainerOptions, 'owner' | 'token' | 'expiresAt'>,
): Docker.NetworkCreateOptions {
  return {
    Name: name,
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    Attachable: false,
    EnableIPv6: false,
    Labels: labels(options),
    Options: {
      'com.docker.network.bridge.name': bridge,
      'com.docker.network.bridge.enable_icc': 'false',
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
    },
  };
}

/**
 * An app's container: the sandbox container's hardening (read-only root, tmpfs work dir, every capability
 * dropped, no-new-privileges, an unprivileged user, a pids limit, ulimits, memory = memory+swap, a CPU
 * quota), on its own internal network instead of none, with an app's memory and processes.
 */
export function appContainerSpec(options: AppContainerOptions): Docker.ContainerCreateOptions {
  const base = sandboxContainerSpec(
    options.image,
    options.owner,
    { cpus: options.cpus },
    options.memoryMb,
    options.processes,
  );
  return {
    ...base,
    NetworkDisabled: false,
    Labels: labels(options),
    HostConfig: {
      ...base.HostConfig,
      NetworkMode: options.network,
      ...(options.resolvConf ? { Binds: [`${options.resolvConf}:/etc/resolv.conf:ro`] } : {}),
    },
  };
}
