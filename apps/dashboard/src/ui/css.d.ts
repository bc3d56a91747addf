// esbuild bundles the styles a module imports into app.css; they export nothing.
declare module '*.css';
