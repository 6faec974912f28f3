// Every benchmark, one after another (each prints its own table).
await import('./battle-latency.js');
await import('./followup-latency.js');
await import('./ranking.js');
await import('./transform.js');
// Needs a Docker engine with the sandbox image.
await import('./sandboxes.js');
await import('./display.js');
await import('./eval-throughput.js');
await import('./judging.js');
// Needs PostgreSQL (TEST_POSTGRES_URL, default 127.0.0.1:5432/test).
await import('./datasets.js');
// Needs Redis (TEST_REDIS_URL), PostgreSQL and a Docker engine with the sandbox image.
await import('./apps-cluster.js');
