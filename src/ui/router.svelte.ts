// Hash routing (#/model, #/tasks ...): works from any static host, and a screen can be linked to.
// Hashes that are not routes (#main for the skip link) leave the current screen alone; no hash
// opens the Start page.
import { SCREENS, type ScreenId } from './screens';

function parse(hash: string): ScreenId | null {
  const match = /^#\/([a-z-]+)/.exec(hash);
  return SCREENS.find((screen) => screen.id === match?.[1])?.id ?? null;
}

export const route: { screen: ScreenId } = $state({
  screen: parse(globalThis.location?.hash ?? '') ?? 'start',
});

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    const screen = parse(window.location.hash);
    if (screen) route.screen = screen;
  });
}
