import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const layerRule = (message) => ({
  "no-restricted-imports": [
    "error",
    {
      patterns: [
        { group: ["@/app/*", "@/components/*", "@/inngest/functions/*"], message },
      ],
    },
  ],
});

const config = [
  { ignores: [".next/**", ".next-*/**", "node_modules/**", "data/**", ".data/**", "test-results/**", "playwright-report/**", "bench-results/**", "db/migrations/**", "next-env.d.ts"] },
  ...nextVitals,
  ...nextTs,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  // Imports flow one way (house style rule 1): lib/ and db/ never reach up into the app or the UI.
  // (Tests may exercise any layer.)
  { files: ["lib/**", "db/**"], ignores: ["**/*.test.ts"], rules: layerRule("lib/ and db/ must not import app/, components/ or inngest functions.") },
  // Handlers and Inngest functions are adapters (rule 2): the database handle comes through
  // lib/services (app-db.ts, lib/auth/session.ts), never from db/ itself.
  {
    files: ["app/**", "inngest/functions/**"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [{ name: "@/db", message: "Get the database through lib/services (app-db.ts) or lib/auth/session.ts." }] }] },
  },
];

export default config;
