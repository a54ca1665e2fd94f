import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";

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
  // The UI tier reads through the services: components/ imports neither the database nor app/
  // (types from db/schema are fine).
  {
    files: ["components/**"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/db", "@/db/*"], allowTypeImports: true, message: "components/ reads through lib/services, never the database." },
            { group: ["@/app/*"], message: "components/ must not import app/." },
          ],
        },
      ],
    },
  },
  // No import cycles, type-only imports included (a cycle is a layer that leaks).
  {
    files: ["**/*.ts", "**/*.tsx"],
    plugins: { "import-x": importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      "import-x/resolver": undefined,
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: { "import-x/no-cycle": "error" },
  },
  // Handlers and Inngest functions are adapters (rule 2): the database handle comes through
  // lib/services (app-db.ts, lib/auth/session.ts), never from db/ itself.
  {
    files: ["app/**", "actions/**", "inngest/functions/**"],
    ignores: ["**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [{ name: "@/db", message: "Get the database through lib/services (app-db.ts) or lib/auth/session.ts." }] }] },
  },
];

export default config;
