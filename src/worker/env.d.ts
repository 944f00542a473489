// Vite turns `?url` imports into the URL of the emitted asset (hashed, served from dist/assets).
declare module '*?url' {
  const url: string;
  export default url;
}
