// The app's screens, in navigation order. Work on a screen replaces its placeholder component.
import type { Component } from 'svelte';
import type { ScreenProps } from './props';
import About from './about/About.svelte';
import Explore from './explore/Explore.svelte';
import Model from './model/Model.svelte';
import Results from './results/Results.svelte';
import Run from './run/Run.svelte';
import Tasks from './tasks/Tasks.svelte';

export type { ScreenProps } from './props';

export interface Screen {
  id: string;
  title: string;
  /** One line for the placeholder and the About page: what the screen is for. */
  summary: string;
  component: Component<ScreenProps>;
}

export const SCREENS = [
  {
    id: 'model',
    title: 'Model',
    summary: 'Load BART (bart-base from the Hub or a local checkpoint) and check it against the reference.',
    component: Model,
  },
  {
    id: 'tasks',
    title: 'Tasks',
    summary: 'Browse CrossFit few-shot tasks, their metrics and the paper’s train/test task splits.',
    component: Tasks,
  },
  {
    id: 'run',
    title: 'Run',
    summary: 'Prompt tuning per task, subspace finding (MSF) and intrinsic subspace tuning (IST), with live progress.',
    component: Run,
  },
  {
    id: 'results',
    title: 'Results',
    summary: 'Scores per task and the relative performance of IST against prompt tuning.',
    component: Results,
  },
  {
    id: 'explore',
    title: 'Explore',
    summary: 'Look inside the intrinsic subspace: prompt projections, similarities and reconstructions.',
    component: Explore,
  },
  {
    id: 'about',
    title: 'About',
    summary: 'What this app reproduces, how it computes, and a self-test of the compute engine.',
    component: About,
  },
] as const satisfies readonly Screen[];

export type ScreenId = (typeof SCREENS)[number]['id'];
