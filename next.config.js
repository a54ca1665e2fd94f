// Sent with every page and API answer (issue 17). The CSP allows inline scripts because Next.js
// hydrates pages with inline <script> tags (a nonce would make every page dynamic); everything
// else is this origin only, and no page may be framed (clickjacking). `next dev` also needs eval.
const isDev = process.env.NODE_ENV !== "production";
const CSP = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
const SECURITY_HEADERS = [
  { key: "Content-Security-Policy", value: CSP },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
];

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
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
};

module.exports = nextConfig;
