// Public surface of the weights module (see README.md for the contract).
export { loadModelFiles, readSafetensors, sourceBaseUrl, describeSource, DEFAULT_HUB_BASE, MODEL_FILES } from './load';
export type { ModelSource, LoadOptions, LoadedModelFiles, SafetensorsInput } from './load';
export type { LoadProgress, ProgressCallback, BlobLike, FileLike, FetchLike } from './bytes';
export { cacheKey, parseCacheKey } from './cache';
export type { FileCache, CacheWriter, CachedFileInfo } from './cache';
export { WeightsError } from './errors';
export type { WeightsErrorCode, WeightsProblem } from './errors';
export { validateWeights, assertWeightsMatch, assertFiniteWeights, canonicalTensorName, describeProblem } from './validate';
export { parseSafetensorsStream } from './stream';
export { weightsDigest } from './digest';
export { parseSafetensors, writeSafetensors, SafetensorsError } from './safetensors';
export type { Tensor, Header, SafetensorsFile } from './safetensors';
