import type { NextConfig } from 'next';

// Exported as static files that the backend serves on its own port: one process, one origin, no CDN.
const config: NextConfig = {
  output: 'export',
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
  trailingSlash: true,
};

export default config;
