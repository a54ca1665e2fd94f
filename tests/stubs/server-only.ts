// vitest runs server modules outside Next: the `server-only` marker is a no-op there.
export {};
