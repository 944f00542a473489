// Tasks: the data model, loaders for CrossFit / MetaICL / user tables, CrossFit's catalogue and
// splits, few-shot sampling. Framework-free: runs in the worker, in Node and in the browser.

export * from './types';
export * from './errors';
export * from './source';
export * from './parse';
export * from './catalogue';
export * from './catalogue-data';
export * from './analysis-splits-data';
export * from './sampling';
export * from './transform';
export * from './user';
export * from './loader';
export * from './inspect';
export * from './group';
export * from './validate';
