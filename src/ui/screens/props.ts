// What App.svelte passes every screen (a module of its own, so screens need not import the
// registry that imports them).
export interface ScreenProps {
  title: string;
  summary: string;
}
