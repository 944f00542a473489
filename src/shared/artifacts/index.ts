// Public surface of the artifacts module: pure data in, bytes out (and back), no tfjs, no DOM.
export { ArtifactError, type ArtifactErrorCode } from './errors';
export { canonicalJson, configSha256, modelIdentity, sha256Hex, VOLATILE_CONFIG_KEYS, type ModelIdentity } from './identity';
export { ARTIFACT_FORMAT_VERSION, ARTIFACT_MAX_HEADER_BYTES, ARTIFACT_TAG, type ArtifactKind, type CommonMeta, type IdentityCheck } from './metadata';
export type { F32Tensor } from './tensors';
export {
  BUNDLE_NAMES,
  REFERENCE_NAMES,
  INTRINSIC_VECTORS_NAME,
  PROJECTOR_PARAMS,
  decodeIntrinsicVector,
  decodeProjectorBundle,
  describeProjector,
  encodeProjectorBundle,
  hasProj,
  inferProjectorDims,
  loadProjectorBundle,
  projectPrompt,
  projectorFromNamed,
  projectorShapes,
  projectorToNamed,
  readReferenceProjector,
  validateProjectorWeights,
  type ProjectorBundle,
  type ProjectorBundleInput,
  type ProjectorDims,
  type ProjectorImportOptions,
  type ProjectorParam,
  type ProjectorWeights,
  type TrainingTask,
} from './projector';
export {
  decodeIntrinsicVectorFile,
  decodeSoftPrompt,
  encodeIntrinsicVectorFile,
  encodeSoftPrompt,
  type IntrinsicVectorArtifact,
  type SoftPromptArtifact,
} from './prompt';
export { exportPeftPromptTuning, importPeftPromptTuning, PEFT_CONFIG_FILE, PEFT_PROMPT_KEY, PEFT_WEIGHTS_FILE, type PeftAdapterFiles, type PeftImported } from './peft';
export { torchFileToArtifact, type TorchArtifact, type TorchImportOptions } from './reference';
export { decodeShareLink, encodeShareLink, MAX_SHARE_DIM, type ShareLink } from './shareLink';
export { encodeFineTunedWeights } from './weights';
