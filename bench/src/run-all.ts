// Every benchmark, one after another (each prints its own table).
await import('./battle-latency.js');
await import('./ranking.js');
