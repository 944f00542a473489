// plotly.js-dist has no type declarations; src/ui/charts/plotly.ts types the API it uses.
declare module 'plotly.js-dist';
