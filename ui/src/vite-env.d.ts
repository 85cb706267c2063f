/// <reference types="svelte" />
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** '1' lets a development build in a plain browser use the in-memory demo backend. */
  readonly VITE_KEYWARD_DEMO?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
