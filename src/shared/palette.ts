// The charts' colours: Okabe-Ito, distinguishable with the common colour-vision deficiencies. The
// app's Plotly charts and the CLI's SVG figures both draw with it.
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
