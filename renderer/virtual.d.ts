declare module 'virtual:scenarios' {
  /** The scenario files bundled at build time, by path from the repository root (scripts/build.mjs). */
  const files: Record<string, string>;
  export default files;
}

/** Stylesheets imported by views are bundled into dist/renderer/app.css (scripts/build.mjs). */
declare module '*.css' {}
