/** @type {import('next').NextConfig} */
const nextConfig = {
  // NetBox URLs end with a slash; API paths are served as written (SPEC §6).
  trailingSlash: true,
  poweredByHeader: false,
  reactStrictMode: true,
  // Native / wasm / fs-heavy packages load from node_modules at run time instead of being bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "isomorphic-git", "undici", "selfsigned", "inngest"],
  devIndicators: false,
  // Separate build directories let several builds coexist (e.g. the bench beside the e2e build).
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

module.exports = nextConfig;
