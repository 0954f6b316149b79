declare module 'virtual:scenarios' {
  /** The scenario files bundled at build time, by path from the repository root (scripts/build.mjs). */
  const files: Record<string, string>;
  export default files;
}
