// The app's screens, in navigation order: the router's ids, the navigation's titles, and the line
// each screen shows under its title. Each screen is a folder of its parts (screens/<id>/).
import type { Component } from 'svelte';
import type { ScreenProps } from './props';
import About from './about/About.svelte';
import Explore from './explore/Explore.svelte';
import Library from './library/Library.svelte';
import Model from './model/Model.svelte';
import Results from './results/Results.svelte';
import Run from './run/Run.svelte';
import Start from './start/Start.svelte';
import Tasks from './tasks/Tasks.svelte';

export type { ScreenProps } from './props';

export interface Screen {
  id: string;
  title: string;
  /** One line under the screen's title: what the screen does. */
  summary: string;
  component: Component<ScreenProps>;
}

export const SCREENS = [
  {
    id: 'start',
    title: 'Start',
    summary: 'A lesson in a tab: the paper’s idea in three sentences and one picture, and a live demo on the small model that ships with the app.',
    component: Start,
  },
  {
    id: 'model',
    title: 'Model',
    summary: 'Load a BART model (the embedded one, one from the Hugging Face Hub, or local files), try it on a sample input, and manage the browser’s model cache.',
    component: Model,
  },
  {
    id: 'tasks',
    title: 'Tasks',
    summary: 'Choose the tasks a study trains and tests on: the built-in task world, CrossFit’s catalogue or tasks you import, split as in the paper or by hand.',
    component: Tasks,
  },
  {
    id: 'run',
    title: 'Run',
    summary: 'Run a study: prompt tuning per task, subspace finding (MSF) and intrinsic subspace tuning (IST), with live progress, pause and resume.',
    component: Run,
  },
  {
    id: 'results',
    title: 'Results',
    summary: 'A study’s relative performance against prompt tuning (E_rel by d_I), its scores per task, and a map and similarities of its intrinsic vectors.',
    component: Results,
  },
  {
    id: 'library',
    title: 'Library',
    summary: 'The prompts, projectors and intrinsic vectors of this browser: what your studies trained and what you imported. Rename, download, export a prompt for PEFT, open a projector or a vector in Explore.',
    component: Library,
  },
  {
    id: 'explore',
    title: 'Explore',
    summary: 'See the training tasks of a projector (the one shipped with the app, or your own) in the intrinsic subspace, tune d_I numbers for your own task, walk the subspace and share a vector as a link.',
    component: Explore,
  },
  {
    id: 'about',
    title: 'About',
    summary: 'What this app reproduces, the idea step by step, and a self-test of the compute engine.',
    component: About,
  },
] as const satisfies readonly Screen[];

export type ScreenId = (typeof SCREENS)[number]['id'];
